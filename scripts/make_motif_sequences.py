#!/usr/bin/env python3
"""Writes Examples/Data/motifs.tsv: labelled DNA sequences for `recurrent train --sequences`.

Each sequence is 40-80 random bases (A, C, G, T). Two promoter boxes may be planted in it:
the -35 box TTGACA and the -10 box TATAAT. The label depends on which are present and in
which order, so a model must remember what it has seen and in what order:

    promoter   TTGACA occurs, and TATAAT occurs after it
    reversed   TATAAT occurs, and TTGACA occurs after it
    none       at most one of the two boxes occurs

Each box occurs at most once per sequence (random draws that contain a box by chance are
redrawn), and the three labels are equally likely. Plain Python, no dependencies, seeded:

    python3 scripts/make_motif_sequences.py            # writes Examples/Data/motifs.tsv
    python3 scripts/make_motif_sequences.py --count 300 --seed 1 --output /tmp/small.tsv
"""
import argparse
import random

MINUS35, MINUS10 = "TTGACA", "TATAAT"


def background(rng, length):
    """Random bases of the given length holding neither box."""
    while True:
        bases = "".join(rng.choice("ACGT") for _ in range(length))
        if MINUS35 not in bases and MINUS10 not in bases:
            return bases


def plant(rng, bases, boxes):
    """Bases with the boxes written in order at random non-overlapping places, or None."""
    slots = len(bases) - sum(len(b) for b in boxes)
    cuts = sorted(rng.randint(0, slots) for _ in boxes)
    out, taken = [], 0
    for cut, box in zip(cuts, boxes):
        out.append(bases[taken:cut])
        out.append(box)
        taken = cut
    out.append(bases[taken:slots])
    text = "".join(out)
    # Boxes may not arise twice from the join of a box and its neighbours.
    if text.count(MINUS35) != boxes.count(MINUS35) or text.count(MINUS10) != boxes.count(MINUS10):
        return None
    return text


def sequence(rng, label):
    length = rng.randint(40, 80)
    if label == "promoter":
        boxes = [MINUS35, MINUS10]
    elif label == "reversed":
        boxes = [MINUS10, MINUS35]
    else:
        boxes = rng.choice([[], [MINUS35], [MINUS10]])
    while True:
        text = plant(rng, background(rng, length), boxes)
        if text is not None:
            return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--output", default="Examples/Data/motifs.tsv")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    labels = ["none", "promoter", "reversed"]
    with open(args.output, "w", newline="") as f:
        f.write("sequence\tlabel\n")
        for _ in range(args.count):
            label = rng.choice(labels)
            f.write(f"{sequence(rng, label)}\t{label}\n")


if __name__ == "__main__":
    main()
