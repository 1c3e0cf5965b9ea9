#!/usr/bin/env python3
"""Independent reference values for RandomGenerator (Tests/RecurrentTests/RandomGeneratorTests.swift).

SplitMix64 seeding xoshiro256**, written from the published algorithms with
Python integers; floats from the top 24 / 53 bits; Lemire's bounded integers;
Fisher-Yates; Box-Muller with the platform's math.log / cos / sin.

Run: python3 scripts/random_reference.py
"""
import math

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed):
        self.s = []
        state = seed
        for _ in range(4):
            state, value = splitmix64(state)
            self.s.append(value)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def next_float(self):
        return (self.next() >> 40) / float(1 << 24)

    def next_double(self):
        return (self.next() >> 11) / float(1 << 53)

    def next_below(self, bound):
        product = self.next() * bound
        low = product & MASK
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK
        return product >> 64

    def permutation(self, count):
        order = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self.next_below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order

    def normal_pair(self):
        u1 = 1.0 - self.next_double()
        u2 = self.next_double()
        r = math.sqrt(-2.0 * math.log(u1))
        return r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)


def main():
    for seed in (0, 42):
        g = Xoshiro256StarStar(seed)
        print(f"seed {seed} next():", ", ".join(f"0x{g.next():016X}" for _ in range(6)))
    g = Xoshiro256StarStar(42)
    print("seed 42 nextFloat():", ", ".join(repr(g.next_float()) for _ in range(6)))
    g = Xoshiro256StarStar(42)
    print("seed 42 nextDouble():", ", ".join(repr(g.next_double()) for _ in range(6)))
    g = Xoshiro256StarStar(7)
    print("seed 7 next(below: 10):", ", ".join(str(g.next_below(10)) for _ in range(10)))
    g = Xoshiro256StarStar(7)
    print("seed 7 next(below: 3_000_000_000):", ", ".join(str(g.next_below(3_000_000_000)) for _ in range(4)))
    g = Xoshiro256StarStar(11)
    print("seed 11 permutation(count: 10):", g.permutation(10))
    g = Xoshiro256StarStar(5)
    pairs = [g.normal_pair() for _ in range(3)]
    print("seed 5 nextNormalPair():", ", ".join(f"({a!r}, {b!r})" for a, b in pairs))


if __name__ == "__main__":
    main()
