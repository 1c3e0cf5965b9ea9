// The umbrella module: one `import Recurrent` brings the whole library.
//
// An app that only builds, trains or runs recurrent models can import
// `RecurrentCore` alone (no CSV, text corpus or plotting code); data sets and
// model files for tasks live in `RecurrentData`, SVG plots in
// `RecurrentReports`.

@_exported import RecurrentCore
@_exported import RecurrentData
@_exported import RecurrentReports
