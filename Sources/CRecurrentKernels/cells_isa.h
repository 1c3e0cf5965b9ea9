// SPDX-License-Identifier: MIT
// One ISA's cell passes with the vector math they call (see cells.c).
#include "vmath_impl.h"
#include "cells_impl.h"
