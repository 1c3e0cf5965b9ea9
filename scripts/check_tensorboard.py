#!/usr/bin/env python3
"""Check Recurrent's TensorBoard event files with the `tensorboard` package.

Usage (`tensorboard` from pip; `protobuf` comes with it):
    python3 scripts/check_tensorboard.py [--write] [--cli .build/debug/recurrent] [--serve]

1. Fixtures. `Tests/RecurrentTests/Fixtures/tensorboard/manifest.json` lists
   three runs as the calls a `fit` makes to its callbacks (the plan, every
   step's and epoch's figures) with a fixed clock. For each, this script
   writes the event file that `TensorBoardLog` must write, with TensorBoard's
   own pieces: `event_pb2.Event` and `summary_pb2.Summary` messages serialised
   by `protobuf`, texts made by `tensorboard.plugins.text.summary_v2.text_pb`,
   records framed by `tensorboard.summary.writer.record_writer.RecordWriter`.
   With `--write` it stores them as `NAME.tfevents` beside the manifest (the
   Swift test `TensorBoardTests` compares the Swift writer's bytes with
   them); without, it checks that the committed files are these bytes.
   Either way it then reads the committed files back through TensorBoard's
   data provider (the layer its dashboards read) and checks every tag, step,
   value and text against the manifest, and that the session start of the
   resumed run drops what the interrupted run logged past its checkpoint.

2. The command line (with `--cli`, default `.build/debug/recurrent` when it
   exists): runs `recurrent train --log-dir`, checks through the data
   provider that the per-epoch scalars equal the `--json` figures, that the
   text holds the command line, that every record's bytes are what
   `protobuf` and `RecordWriter` give for the event they decode to; then
   resumes a run from a checkpoint older than its log (as after a crash) into
   the same log folder, and checks that TensorBoard shows exactly the
   uninterrupted run's points.

3. With `--serve`: starts `tensorboard --logdir` on the command line's log and
   reads `train/loss` and the `options` text back over HTTP, as the browser does.

Exits with status 1 on the first difference.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from tensorboard import context
from tensorboard.backend.event_processing import data_provider, event_file_loader
from tensorboard.backend.event_processing import plugin_event_multiplexer as multiplexer_lib
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.text.summary_v2 import text_pb
from tensorboard.summary.writer.record_writer import RecordWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "RecurrentTests", "Fixtures", "tensorboard")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def f32(x):
    """x rounded to float32, as a `float` field stores it."""
    import struct
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected_events(run, clock):
    """The events `TensorBoardLog` writes for the run's calls, in order."""
    start, increment = clock["start"], clock["increment"]
    times = (start + increment * n for n in range(10 ** 6))
    events = [event_pb2.Event(wall_time=next(times), file_version="brain.Event:2")]
    for tag in sorted(run["text"]):
        events.append(event_pb2.Event(wall_time=next(times), step=0, summary=text_pb(tag, run["text"][tag])))
    last, steps = 0, 0

    def scalar(tag, value, step):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        events.append(event_pb2.Event(wall_time=next(times), step=step, summary=summary))

    for call in run["calls"]:
        if call["call"] == "step":
            if steps == 0:
                start_event = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
                events.append(event_pb2.Event(wall_time=next(times), step=call["updates"], session_log=start_event))
            scalar("train/loss", call["loss"], call["updates"])
            scalar("train/learning_rate", call["learningRate"], call["updates"])
            scalar("train/gradient_norm", call["gradientNorm"], call["updates"])
            steps += 1
            last = call["updates"]
        else:
            scalar("epoch/train_loss", call["trainLoss"], last)
            if call.get("validationLoss") is not None:
                scalar("epoch/validation_loss", call["validationLoss"], last)
            scalar("epoch/learning_rate", call["learningRate"], last)
    return events


def framed(events):
    """The events as an event file: TensorBoard's RecordWriter on their serialised bytes."""
    class Sink:
        def __init__(self):
            self.data = b""

        def write(self, data):
            self.data += data

    sink = Sink()
    writer = RecordWriter(sink)
    for event in events:
        writer.write(event.SerializeToString())
    return sink.data


def provider_for(folder):
    """TensorBoard's data provider on `folder`, loaded once."""
    multiplexer = multiplexer_lib.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(folder)
    multiplexer.Reload()
    return data_provider.MultiplexerDataProvider(multiplexer, folder)


def shown_scalars(provider, run="."):
    """{tag: [(step, value)]} as the scalars dashboard gets them."""
    series = provider.read_scalars(context.RequestContext(), experiment_id="", plugin_name="scalars", downsample=10 ** 6)
    return {tag: [(d.step, d.value) for d in data] for tag, data in series.get(run, {}).items()}


def shown_texts(provider, run="."):
    """{tag: [(step, text)]} as the text dashboard gets them."""
    series = provider.read_tensors(context.RequestContext(), experiment_id="", plugin_name="text", downsample=10 ** 6)
    return {tag: [(d.step, d.numpy.item().decode()) for d in data] for tag, data in series.get(run, {}).items()}


def expected_scalars(events):
    """{tag: [(step, value)]} of the simple values among `events`, with restarts applied as TensorBoard
    documents them: every session start after the first drops the points at its step and later."""
    result, started = {}, False
    for event in events:
        if event.HasField("session_log") and event.session_log.status == event_pb2.SessionLog.START:
            if started:
                for tag in result:
                    result[tag] = [(s, v) for s, v in result[tag] if s < event.step]
            started = True
        for value in event.summary.value:
            if value.HasField("simple_value"):
                result.setdefault(value.tag, []).append((event.step, f32(value.simple_value)))
    return result


def check_fixtures(write):
    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    all_events = {}
    for run in manifest["runs"]:
        path = os.path.join(FIXTURES, run["name"] + ".tfevents")
        events = expected_events(run, manifest["clock"])
        all_events[run["name"]] = events
        data = framed(events)
        if write:
            with open(path, "wb") as handle:
                handle.write(data)
            print(f"wrote {os.path.relpath(path, ROOT)}: {len(events)} events, {len(data)} bytes")
        elif open(path, "rb").read() != data:
            fail(f"{path} differs from the events the manifest gives; rerun with --write")
        else:
            print(f"{os.path.relpath(path, ROOT)}: {len(events)} events, {len(data)} bytes, as TensorBoard writes them")

    # Read the committed files as TensorBoard does: one run folder per manifest
    # run, and the interrupted and resumed files together in a third.
    with tempfile.TemporaryDirectory() as folder:
        layout = {run["name"]: [run["name"]] for run in manifest["runs"]}
        layout["interrupted+resumed"] = ["interrupted", "resumed"]
        for run_folder, names in layout.items():
            os.makedirs(os.path.join(folder, run_folder))
            for n, name in enumerate(names):
                shutil.copy(os.path.join(FIXTURES, name + ".tfevents"),
                            os.path.join(folder, run_folder, f"events.out.tfevents.{n}.fixture"))
        provider = provider_for(folder)
        for run_folder, names in layout.items():
            events = [event for name in names for event in all_events[name]]
            shown = shown_scalars(provider, run_folder)
            expected = expected_scalars(events)
            if shown != expected:
                fail(f"{run_folder}: TensorBoard shows {shown}, expected {expected}")
            texts = {}
            for event in events:
                for value in event.summary.value:
                    if value.HasField("tensor"):
                        texts.setdefault(value.tag, []).append((event.step, value.tensor.string_val[0].decode()))
            if shown_texts(provider, run_folder) != texts:
                fail(f"{run_folder}: texts {shown_texts(provider, run_folder)}, expected {texts}")
            points = sum(len(v) for v in shown.values())
            print(f"  run {run_folder}: {len(shown)} scalar tags, {points} points, {len(texts)} text(s) as expected")
        merged = shown_scalars(provider, "interrupted+resumed")["train/loss"]
        if [s for s, _ in merged] != sorted({s for s, _ in merged}):
            fail(f"interrupted+resumed: train/loss steps repeat after the restart: {merged}")
        print(f"  interrupted+resumed: train/loss at steps {[s for s, _ in merged]}, the resumed run's after its checkpoint")


def event_files(folder):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if "tfevents" in name)


def check_reencoding(path):
    """Every record decodes, and re-encodes (protobuf + RecordWriter) to the same bytes."""
    raw = list(event_file_loader.RawEventFileLoader(path).Load())
    events = [event_pb2.Event.FromString(record) for record in raw]
    for record, event in zip(raw, events):
        if event.SerializeToString() != record:
            fail(f"{path}: an event's bytes differ from protobuf's for the same message: {event}")
    if framed(events) != open(path, "rb").read():
        fail(f"{path}: the file differs from RecordWriter's framing of its events")
    if events[0].file_version != "brain.Event:2":
        fail(f"{path}: first event {events[0]}")
    return events


def run_cli(binary, arguments, expect=0):
    result = subprocess.run([binary] + arguments, capture_output=True, text=True)
    if result.returncode != expect:
        fail(f"{' '.join(arguments)}: exit {result.returncode}, expected {expect}; stderr: {result.stderr}")
    return result.stdout


def check_cli(binary, serve):
    small = ["--task", "sine", "--length", "300", "--hidden", "8", "--batch-size", "16", "--seed", "3"]
    with tempfile.TemporaryDirectory() as folder:
        log = os.path.join(folder, "logs", "straight")
        out = run_cli(binary, ["train"] + small + ["--epochs", "3", "--json", "--log-dir", log,
                                                   "-o", os.path.join(folder, "m.safetensors")])
        figures = [json.loads(line) for line in out.splitlines()]
        files = event_files(log)
        if len(files) != 1 or figures[-1].get("log_file") != files[0]:
            fail(f"{log}: event files {files}, --json log_file {figures[-1].get('log_file')}")
        events = check_reencoding(files[0])
        provider = provider_for(log)
        shown = shown_scalars(provider)
        for key, tag in [("train_loss", "epoch/train_loss"), ("validation_loss", "epoch/validation_loss"),
                         ("learning_rate", "epoch/learning_rate")]:
            values = [v for _, v in shown[tag]]
            wanted = [f32(epoch[key]) for epoch in figures[:-1]]
            if values != wanted:
                fail(f"{tag}: TensorBoard shows {values}, --json gives {wanted}")
        steps = [s for s, _ in shown["train/loss"]]
        if steps != list(range(1, len(steps) + 1)) or [s for s, _ in shown["epoch/train_loss"]][-1] != steps[-1]:
            fail(f"train/loss steps {steps}, epoch steps {shown['epoch/train_loss']}")
        final = {tag[len("final/"):]: points[-1][1] for tag, points in shown.items() if tag.startswith("final/")}
        if not final or any(f32(figures[-1][name]) != value for name, value in final.items()):
            fail(f"final figures {final}, --json {figures[-1]}")
        options = shown_texts(provider)["options"]
        if "recurrent train --task sine" not in options[0][1]:
            fail(f"options text {options}")
        print(f"train --log-dir: {len(events)} events; {len(shown)} scalar tags, {len(steps)} steps; "
              f"epoch figures equal --json's; {len(final)} final figures; options text: {options[0][1].splitlines()[0].strip()}")

        # A crash that loses steps: stop at update 15 (checkpoint 15, kept as a copy), resume and stop at 20
        # (checkpoint 20), put checkpoint 15 back as if the process had died after update 20 with its last
        # checkpoint at 15, and resume again into the same folder: updates 16-20 are logged twice, and
        # TensorBoard must show only the last run's.
        resumed = os.path.join(folder, "logs", "resumed")
        checkpoint = os.path.join(folder, "c.ckpt")
        common = ["train"] + small + ["--epochs", "3", "--log-dir", resumed, "--checkpoint", checkpoint,
                                      "-o", os.path.join(folder, "r.safetensors"), "--quiet"]
        run_cli(binary, common + ["--interrupt-after-steps", "15"], expect=130)
        shutil.copy(checkpoint, checkpoint + ".15")
        for extra, expect in [(["--resume", "--interrupt-after-steps", "20"], 130), (["--resume"], 0)]:
            if expect == 0:
                shutil.copy(checkpoint + ".15", checkpoint)
            time.sleep(1.1)  # a later second in the file name, so that TensorBoard reads the files in order
            run_cli(binary, common + extra, expect=expect)
        starts = []
        for path in event_files(resumed):
            starts.append([e.step for e in check_reencoding(path) if e.HasField("session_log")])
        if starts != [[1], [16], [16]]:
            fail(f"session starts per file {starts}, expected [[1], [16], [16]]")
        again = shown_scalars(provider_for(resumed))
        for tag in ["train/loss", "train/gradient_norm", "epoch/train_loss", "epoch/validation_loss"]:
            if again[tag] != shown[tag]:
                fail(f"{tag} after the crash and resume: {again[tag]}; uninterrupted: {shown[tag]}")
        print(f"stopped at 15, resumed and stopped at 20, resumed again from checkpoint 15: 3 files, session starts "
              f"{starts}; TensorBoard shows the uninterrupted run's {len(steps)} train/loss points")
        if serve:
            check_server(log, shown["train/loss"], options[0][1])


def check_server(log, points, options):
    """Starts `tensorboard --logdir log` and reads the scalars and the text over HTTP."""
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    binary = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    server = subprocess.Popen([binary, "--logdir", log, "--port", str(port), "--host", "localhost",
                               "--load_fast", "false", "--reload_interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://localhost:{port}/data/plugin"
        deadline = time.time() + 60
        while True:
            try:
                scalars = json.load(urllib.request.urlopen(f"{base}/scalars/scalars?run=.&tag=train/loss"))
                texts = json.load(urllib.request.urlopen(f"{base}/text/text?run=.&tag=options"))
                if scalars and texts:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                fail("tensorboard did not serve the log within 60 s")
            time.sleep(0.5)
        if [(step, value) for _, step, value in scalars] != points:
            fail(f"the server's train/loss {scalars[:3]}… differs from the data provider's {points[:3]}…")
        if "recurrent train" not in texts[0]["text"]:
            fail(f"the server's options text: {texts}")
        print(f"tensorboard --logdir: /data/plugin/scalars serves {len(scalars)} train/loss points; "
              f"/data/plugin/text renders the options as HTML ({len(texts[0]['text'])} characters)")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fixtures instead of checking them")
    parser.add_argument("--cli", default=os.path.join(ROOT, ".build", "debug", "recurrent"))
    parser.add_argument("--serve", action="store_true", help="also read the log through a tensorboard server")
    options = parser.parse_args()
    check_fixtures(options.write)
    if os.path.exists(options.cli):
        check_cli(options.cli, options.serve)
    else:
        print(f"{options.cli}: not built; the command line was not checked")
    print("all TensorBoard checks passed")


if __name__ == "__main__":
    main()
