pragma circom 2.1.0;

// SPECTER component library: quantized (fixed-point) inference over the bn254 scalar field.
//
// Conventions
// - A real value v is carried as the integer round(v * 2^s) for a scale 2^s chosen per tensor; a
//   negative integer x is the field element p - |x|.
// - "signed b bits" means x in [-2^(b-1), 2^(b-1)); "unsigned b bits" means x in [0, 2^b).
// - Every division by a power of two is a floor division whose remainder is fixed by a bit
//   decomposition, i.e. by constraints (circomlib-ml's Dense bounds it with an assert, which adds no
//   constraint and lets a prover shift outputs; we never do that).
// - Products of a signal with a template constant are linear and cost no constraint; products of two
//   signals cost one constraint each.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

// x in [-2^(b-1), 2^(b-1)); exposes the bits of x + 2^(b-1) (bits[b-1] is 1 iff x >= 0).
template SignedRange(b) {
    signal input in;
    signal output bits[b];
    component n2b = Num2Bits(b);
    n2b.in <== in + (1 << (b - 1));
    bits <== n2b.out;
}

// x in [0, 2^b).
template UnsignedRange(b) {
    signal input in;
    component n2b = Num2Bits(b);
    n2b.in <== in;
}

// x in [0, 2^k] (both ends included; e.g. pixels 0..256 at scale 2^8) for k + 1 constraints: x = y + z
// with y in unsigned k bits and z a bit. Half the range check of k + 1 bits on the top, so the static
// range analysis downstream starts from 2^k, not 2^(k+1) - 1.
template UnsignedUpTo(k) {
    signal input in;
    signal top;
    top <-- in > (1 << k) - 1 ? 1 : 0;
    top * (top - 1) === 0;
    component n2b = Num2Bits(k);
    n2b.in <== in - top;
}

// x in [0, max] for any max below 2^b, for 2b constraints: x and max - x both fit b unsigned bits.
// The general input check; UnsignedUpTo and UnsignedRange are cheaper where max is 2^k or 2^b - 1.
template UnsignedAtMost(b, max) {
    signal input in;
    component low = Num2Bits(b);
    low.in <== in;
    component high = Num2Bits(b);
    high.in <== max - in;
}

// out = floor(in / 2^s), with out in signed b bits; one decomposition of in + 2^(s+b-1) into s+b bits
// fixes the remainder (the low s bits), the quotient and its range at once.
template Rescale(s, b) {
    signal input in;
    signal output out;
    signal output nonNeg;
    component n2b = Num2Bits(s + b);
    n2b.in <== in + (1 << (s + b - 1));
    var q = 0;
    for (var i = s; i < s + b; i++) {
        q += n2b.out[i] * (1 << (i - s));
    }
    out <== q - (1 << (b - 1));
    nonNeg <== n2b.out[s + b - 1];
}

// out = max(0, floor(in / 2^s)); the rescaled value is range-checked to signed b bits first.
template RescaleReLU(s, b) {
    signal input in;
    signal output out;
    component r = Rescale(s, b);
    r.in <== in;
    out <== r.nonNeg * r.out;
}

// out = max(0, in) for in in signed b bits.
template ReLU(b) {
    signal input in;
    signal output out;
    component r = SignedRange(b);
    r.in <== in;
    out <== r.bits[b - 1] * in;
}

// out = in for in >= 0, floor(in / 2^k) otherwise (slope 2^-k), in in signed b bits.
template LeakyReLU(b, k) {
    signal input in;
    signal output out;
    component r = SignedRange(b);
    r.in <== in;
    var neg = 0;
    for (var i = k; i < b; i++) {
        neg += r.bits[i] * (1 << (i - k));
    }
    neg -= 1 << (b - 1 - k);
    out <== neg + r.bits[b - 1] * (in - neg);
}

// out = min(max(in, lo), hi) (hard-tanh and friends), in in signed b bits, lo <= hi both in signed b bits.
template Clamp(b, lo, hi) {
    signal input in;
    signal output out;
    component low = ReLU(b + 1);
    low.in <== in - lo;
    component high = ReLU(b + 1);
    high.in <== hi - lo - low.out;
    out <== hi - high.out;
}

// Dense layer with the weights compiled in (the verifying key commits to them): out = W.in + B,
// un-rescaled (the output scale is the product of the input and weight scales). Costs no constraint.
template DenseConst(nIn, nOut, W, B) {
    signal input in[nIn];
    signal output out[nOut];
    for (var j = 0; j < nOut; j++) {
        var acc = B[j];
        for (var i = 0; i < nIn; i++) {
            acc += W[j][i] * in[i];
        }
        out[j] <== acc;
    }
}

// Dense layer with private weights (bound elsewhere, e.g. by a hash of their bit-packing): one
// constraint per weight.
template DensePrivate(nIn, nOut) {
    signal input in[nIn];
    signal input w[nOut][nIn];
    signal input b[nOut];
    signal output out[nOut];
    signal prod[nOut][nIn];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            prod[j][i] <== w[j][i] * in[i];
            acc += prod[j][i];
        }
        out[j] <== acc;
    }
}

// C = A x B for private matrices A (n x m) and B (m x p): n*m*p constraints, un-rescaled.
template MatMul(n, m, p) {
    signal input a[n][m];
    signal input b[m][p];
    signal output out[n][p];
    signal prod[n][p][m];
    for (var i = 0; i < n; i++) {
        for (var j = 0; j < p; j++) {
            var acc = 0;
            for (var k = 0; k < m; k++) {
                prod[i][j][k] <== a[i][k] * b[k][j];
                acc += prod[i][j][k];
            }
            out[i][j] <== acc;
        }
    }
}

// Index and value of the maximum of n values in signed b bits (range-checked by the caller, e.g. as
// Rescale outputs). Ties go to the lowest index: a later value replaces the running best only when
// strictly greater.
template ArgMax(n, b) {
    signal input in[n];
    signal output index;
    signal output max;
    signal best[n];
    signal bestIndex[n];
    component gt[n];
    best[0] <== in[0];
    bestIndex[0] <== 0;
    for (var i = 1; i < n; i++) {
        // LessThan(b) compares values whose difference lies in (-2^b, 2^b): true for signed b bits.
        gt[i] = LessThan(b);
        gt[i].in[0] <== best[i - 1];
        gt[i].in[1] <== in[i];
        best[i] <== best[i - 1] + gt[i].out * (in[i] - best[i - 1]);
        bestIndex[i] <== bestIndex[i - 1] + gt[i].out * (i - bestIndex[i - 1]);
    }
    index <== bestIndex[n - 1];
    max <== best[n - 1];
}

// The maximum of n values in signed b bits (range-checked by the caller): a running max, one
// comparison of b + 1 bits and one product per step (ArgMax without the index).
template Max(n, b) {
    signal input in[n];
    signal output out;
    signal best[n];
    component gt[n];
    best[0] <== in[0];
    for (var i = 1; i < n; i++) {
        gt[i] = LessThan(b);
        gt[i].in[0] <== best[i - 1];
        gt[i].in[1] <== in[i];
        best[i] <== best[i - 1] + gt[i].out * (in[i] - best[i - 1]);
    }
    out <== best[n - 1];
}

// in in [0, 2^s] at scale 2^s; out = floor(in^2 / 2^s), again in [0, 2^s]. One decomposition of in^2
// into 2s + 1 bits fixes the remainder and the quotient (the product folds into it): 2s + 2 constraints.
template SquareRescale(s) {
    signal input in;
    signal output out;
    component n2b = Num2Bits(2 * s + 1);
    n2b.in <== in * in;
    var q = 0;
    for (var i = s; i < 2 * s + 1; i++) {
        q += n2b.out[i] * (1 << (i - s));
    }
    out <== q;
}

// The exponentials of a circuit-friendly softmax (the SofterMax idea: subtract the running max so
// every exponent is <= 0, use an exponential that needs no table). in: n values at scale 2^s in
// signed b bits; vb: the signed width of floor((in - max)/8) + 2^s (the caller's static bound).
// exp(z) for z = in - max is approximated by (1 + z/8)^8, clamped to 0 below z = -8: u = max(0,
// floor(z/8) + 2^s) comes out of one RescaleReLU (the division by 8 is free inside its decomposition)
// and three SquareRescales give u^8 at scale 2^s. The max entry gets exactly 2^s, so
// total = sum e in [2^s, n 2^s].
template SofterMaxExp(n, s, b, vb) {
    signal input in[n];
    signal output e[n];
    signal output total;
    component mx = Max(n, b);
    mx.in <== in;
    component u[n];
    component sq[n][3];
    var sum = 0;
    for (var i = 0; i < n; i++) {
        u[i] = RescaleReLU(3, vb);
        u[i].in <== in[i] - mx.out + (8 << s);
        var cur = u[i].out;
        for (var k = 0; k < 3; k++) {
            sq[i][k] = SquareRescale(s);
            sq[i][k].in <== cur;
            cur = sq[i][k].out;
        }
        e[i] <== cur;
        sum += cur;
    }
    total <== sum;
}

// inv = floor(2^K / in) for in in [1, 2^tb) (the caller guarantees in < 2^tb, e.g. by construction;
// in = 0 has no witness): inv * in + r = 2^K with 0 <= r < in (r range-checked and compared, i.e.
// fixed by constraints) and inv range-checked to K + 1 bits, so inv is the integer.
template Reciprocal(K, tb) {
    signal input in;
    signal output out;
    signal r;
    out <-- (1 << K) \ in;
    r <-- (1 << K) % in;
    out * in + r === 1 << K;
    component rRange = UnsignedRange(tb);
    rRange.in <== r;
    component below = LessThan(tb);
    below.in[0] <== r;
    below.in[1] <== in;
    below.out === 1;
    component outRange = UnsignedRange(K + 1);
    outRange.in <== out;
}

// Circuit-friendly softmax: SofterMaxExp, one Reciprocal per row (K = 2s + 4), then
// out_i = floor(e_i * inv / 2^(K - s)) at scale 2^s (sums to at most about 2^s). Attention blocks skip
// the per-entry normalisation and scale their weighted sums by inv instead.
template SofterMax(n, s, b, vb) {
    signal input in[n];
    signal output out[n];
    var K = 2 * s + 4;
    component ex = SofterMaxExp(n, s, b, vb);
    ex.in <== in;
    component inv = Reciprocal(K, s + nbits(n));
    inv.in <== ex.total;
    component p[n];
    for (var i = 0; i < n; i++) {
        // 0 <= e * inv <= 2^s * 2^(K - s): K - s remainder bits, s + 1 quotient bits.
        p[i] = Num2Bits(K + 1);
        p[i].in <== ex.e[i] * inv.out;
        var q = 0;
        for (var j = K - s; j < K + 1; j++) {
            q += p[i].out[j] * (1 << (j - K + s));
        }
        out[i] <== q;
    }
}

// Packs n values already range-checked to signed b bits into ceil(n*b/248) field elements (linear:
// free), injectively, so a hash of the packing commits to the values.
template PackSigned(n, b) {
    var per = 248 \ b;
    var nOut = (n + per - 1) \ per;
    signal input in[n];
    signal output out[nOut];
    for (var o = 0; o < nOut; o++) {
        var acc = 0;
        for (var k = 0; k < per; k++) {
            var i = o * per + k;
            if (i < n) {
                acc += (in[i] + (1 << (b - 1))) * (1 << (k * b));
            }
        }
        out[o] <== acc;
    }
}

// Packs n values into nOut field elements: value i, plus offsets[i], takes widths[i] bits; values fill
// an element from bit 0 up and a value that would cross bit 248 starts the next element (the layout
// packLimbs in src/fixed.ts computes). Linear: free. Injective when every in[i] + offsets[i] lies in
// [0, 2^widths[i]), which the caller guarantees by a range check or by static bounds.
template PackLimbs(n, nOut, widths, offsets) {
    signal input in[n];
    signal output out[nOut];
    var o = 0;
    var pos = 0;
    var acc = 0;
    for (var i = 0; i < n; i++) {
        if (pos + widths[i] > 248) {
            out[o] <== acc;
            o++;
            acc = 0;
            pos = 0;
        }
        acc += (in[i] + offsets[i]) * (1 << pos);
        pos += widths[i];
    }
    out[o] <== acc;
    assert(o == nOut - 1);
}

// Range-checks n signed b-bit values and packs them.
template RangePackSigned(n, b) {
    signal input in[n];
    signal output out[(n + (248 \ b) - 1) \ (248 \ b)];
    component r[n];
    for (var i = 0; i < n; i++) {
        r[i] = SignedRange(b);
        r[i].in <== in[i];
    }
    component p = PackSigned(n, b);
    p.in <== in;
    out <== p.out;
}

// Poseidon over any number of elements: a chain of Poseidon calls, each absorbing the previous
// digest and up to 15 new elements (the last call only as many as remain, so short inputs pay for a
// narrow permutation), seeded with the length (domain separation between lengths).
template PoseidonChain(n) {
    signal input in[n];
    signal output out;
    var chunks = (n + 14) \ 15;
    component h[chunks];
    for (var c = 0; c < chunks; c++) {
        var take = n - c * 15;
        if (take > 15) {
            take = 15;
        }
        h[c] = Poseidon(take + 1);
        if (c == 0) {
            h[c].inputs[0] <== n;
        } else {
            h[c].inputs[0] <== h[c - 1].out;
        }
        for (var k = 0; k < take; k++) {
            h[c].inputs[k + 1] <== in[c * 15 + k];
        }
    }
    out <== h[chunks - 1].out;
}
