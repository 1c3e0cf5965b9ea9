#!/usr/bin/env python3
"""Reference parameter values for Tests/RecurrentTests/OptimizerTests.swift.

Each optimiser is written here from the update rules in the torch.optim
documentation (SGD, Adam, AdamW, RMSprop, Adagrad), with plain Python floats
(double precision) and no dependency. Three steps are taken from the same
start with the same fixed gradients; the parameter after every step is printed
as a Swift array literal.

Run: python3 scripts/optimizer_reference.py
"""
import math

THETA0 = [0.5, -1.0, 2.0]
GRADIENTS = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.2, 0.2, -0.6]]


def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    theta, buf, out = list(THETA0), None, []
    for t, grad in enumerate(GRADIENTS, start=1):
        g = [gi + weight_decay * p for gi, p in zip(grad, theta)]
        if momentum != 0:
            buf = list(g) if t == 1 else [momentum * b + (1 - dampening) * gi for b, gi in zip(buf, g)]
            g = [gi + momentum * b for gi, b in zip(g, buf)] if nesterov else list(buf)
        theta = [p - lr * gi for p, gi in zip(theta, g)]
        out.append(theta)
    return out


def adam(lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    n = len(THETA0)
    theta, m, v, vmax, out = list(THETA0), [0.0] * n, [0.0] * n, [0.0] * n, []
    for t, grad in enumerate(GRADIENTS, start=1):
        if decoupled:
            theta = [p * (1 - lr * weight_decay) for p in theta]
            g = list(grad)
        else:
            g = [gi + weight_decay * p for gi, p in zip(grad, theta)]
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g)]
        v = [beta2 * vi + (1 - beta2) * gi * gi for vi, gi in zip(v, g)]
        vmax = [max(a, b) for a, b in zip(vmax, v)]
        vhat = vmax if amsgrad else v
        mhat = [mi / (1 - beta1 ** t) for mi in m]
        vcorr = [vi / (1 - beta2 ** t) for vi in vhat]
        theta = [p - lr * mh / (math.sqrt(vc) + eps) for p, mh, vc in zip(theta, mhat, vcorr)]
        out.append(theta)
    return out


def rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    n = len(THETA0)
    theta, v, gavg, buf, out = list(THETA0), [0.0] * n, [0.0] * n, [0.0] * n, []
    for grad in GRADIENTS:
        g = [gi + weight_decay * p for gi, p in zip(grad, theta)]
        v = [alpha * vi + (1 - alpha) * gi * gi for vi, gi in zip(v, g)]
        vt = list(v)
        if centered:
            gavg = [alpha * a + (1 - alpha) * gi for a, gi in zip(gavg, g)]
            vt = [vi - a * a for vi, a in zip(vt, gavg)]
        denom = [math.sqrt(x) + eps for x in vt]
        if momentum > 0:
            buf = [momentum * b + gi / d for b, gi, d in zip(buf, g, denom)]
            theta = [p - lr * b for p, b in zip(theta, buf)]
        else:
            theta = [p - lr * gi / d for p, gi, d in zip(theta, g, denom)]
        out.append(theta)
    return out


def adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    theta, s, out = list(THETA0), [initial_accumulator_value] * len(THETA0), []
    for t, grad in enumerate(GRADIENTS, start=1):
        clr = lr / (1 + (t - 1) * lr_decay)
        g = [gi + weight_decay * p for gi, p in zip(grad, theta)]
        s = [si + gi * gi for si, gi in zip(s, g)]
        theta = [p - clr * gi / (math.sqrt(si) + eps) for p, gi, si in zip(theta, g, s)]
        out.append(theta)
    return out


CASES = {
    "sgdPlain": sgd(0.1),
    "sgdMomentum": sgd(0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgdNesterov": sgd(0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "adam": adam(0.1),
    "adamLargeEpsilon": adam(0.1, eps=0.1),
    "adamAMSGradL2": adam(0.1, weight_decay=0.1, amsgrad=True),
    "adamW": adam(0.1, weight_decay=0.1, decoupled=True),
    "rmsprop": rmsprop(0.01),
    "rmspropCenteredMomentum": rmsprop(0.01, eps=0.05, momentum=0.9, centered=True, weight_decay=0.1),
    "adagrad": adagrad(0.1, lr_decay=0.5, weight_decay=0.1, initial_accumulator_value=0.1, eps=0.1),
}

if __name__ == "__main__":
    for name, steps in CASES.items():
        rows = ", ".join("[" + ", ".join(repr(x) for x in step) + "]" for step in steps)
        print(f"{name}: [{rows}]")
