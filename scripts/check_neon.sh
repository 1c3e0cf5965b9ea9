#!/usr/bin/env bash
# Cross-compiles the C kernel target and scripts/neon/*.c for aarch64 Linux
# and runs the driver under qemu-aarch64: every NEON kernel (GEMM, exp / tanh /
# sigmoid, the six cell passes, the bf16 GEMM) against a scalar reference,
# twice: on `-cpu max`, which has FEAT_BF16 (the bf16 GEMM runs BFMMLA), and
# on `-cpu cortex-a72`, which has not (it must find none and fall back).
# Needs clang (the Swift toolchain's), Debian's libc6-dev-arm64-cross,
# libgcc-12-dev-arm64-cross and qemu-user. Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG=${CLANG:-$(command -v clang || echo /opt/swift/usr/bin/clang)}
SYSROOT=/usr/aarch64-linux-gnu
GCCLIB=$(ls -d /usr/lib/gcc-cross/aarch64-linux-gnu/* 2>/dev/null | sort -V | tail -1)
for need in "$SYSROOT/include/stdio.h" "$GCCLIB/crtbegin.o"; do
    [ -e "$need" ] || { echo "check_neon: missing $need (apt-get install libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)" >&2; exit 2; }
done
command -v qemu-aarch64 >/dev/null || { echo "check_neon: qemu-aarch64 missing (apt-get install qemu-user)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$CLANG" --target=aarch64-linux-gnu --gcc-toolchain=/usr \
    -fuse-ld=lld -O2 -std=c11 -Wall -Wno-unused-function -ISources/CRecurrentKernels/include \
    Sources/CRecurrentKernels/*.c scripts/neon/*.c -lm -o "$OUT/check_neon"
echo "== qemu-aarch64 -cpu max (FEAT_BF16)"
qemu-aarch64 -L "$SYSROOT" -cpu max "$OUT/check_neon" --bf16-native=1
echo "== qemu-aarch64 -cpu cortex-a72 (no FEAT_BF16)"
qemu-aarch64 -L "$SYSROOT" -cpu cortex-a72 "$OUT/check_neon" --bf16-native=0
