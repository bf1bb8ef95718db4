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

// Circuit-friendly softmax (the SofterMax idea: subtract the running max so every exponent is <= 0,
// use an exponential that needs no lookup table, normalise with one exact division per entry).
// in: n values at scale 2^s, signed b bits. exp(z) for z = in - max clamped to [-8, 0] is
// approximated by (1 + z/8)^8 (three squarings at scale 2^(s+3)); out_i = floor(e_i * 2^s / sum e),
// the division fixed by a range-checked remainder 0 <= r < sum. Outputs at scale 2^s sum to <= 2^s.
template SofterMax(n, s, b) {
    signal input in[n];
    signal output out[n];
    var t = s + 3;
    component mx = ArgMax(n, b);
    mx.in <== in;
    component clamp[n];
    component sq[n][3];
    signal e[n];
    for (var i = 0; i < n; i++) {
        // z = in - max in [-2^b, 0]; u = max(z + 8*2^s, 0) in [0, 8*2^s] is (1 + z/8) at scale 2^t.
        clamp[i] = ReLU(b + 2);
        clamp[i].in <== in[i] - mx.max + (8 << s);
        var cur = clamp[i].out;
        for (var k = 0; k < 3; k++) {
            sq[i][k] = Rescale(t, t + 2);
            sq[i][k].in <== cur * cur;
            cur = sq[i][k].out;
        }
        e[i] <== cur;
    }
    var sum = 0;
    for (var i = 0; i < n; i++) {
        sum += e[i];
    }
    signal total;
    total <== sum;
    // sum in (0, n * 2^t]; remainders below it (nbits, from circomlib's binsum, is the bit length).
    var rb = t + nbits(n) + 1;
    signal rem[n];
    component remRange[n];
    component remBelow[n];
    component outRange[n];
    for (var i = 0; i < n; i++) {
        out[i] <-- (e[i] * (1 << s)) \ total;
        rem[i] <-- (e[i] * (1 << s)) % total;
        out[i] * total + rem[i] === e[i] * (1 << s);
        remRange[i] = UnsignedRange(rb);
        remRange[i].in <== rem[i];
        remBelow[i] = LessThan(rb);
        remBelow[i].in[0] <== rem[i];
        remBelow[i].in[1] <== total;
        remBelow[i].out === 1;
        outRange[i] = UnsignedRange(s + 1);
        outRange[i].in <== out[i];
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

// Range-checks n unsigned b-bit values and packs them like PackSigned (the decomposition is the
// range check; the packing reuses it).
template RangePackUnsigned(n, b) {
    var per = 248 \ b;
    var nOut = (n + per - 1) \ per;
    signal input in[n];
    signal output out[nOut];
    component r[n];
    for (var i = 0; i < n; i++) {
        r[i] = UnsignedRange(b);
        r[i].in <== in[i];
    }
    for (var o = 0; o < nOut; o++) {
        var acc = 0;
        for (var k = 0; k < per; k++) {
            var i = o * per + k;
            if (i < n) {
                acc += in[i] * (1 << (k * b));
            }
        }
        out[o] <== acc;
    }
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

// One attention head over a sequence of L tokens of width d (d a power of 4, headShift = log4(d) so
// that 2^headShift = sqrt(d)), projection weights compiled in at scale 2^s: Q,K,V = x.W (rescaled),
// P = SofterMax(Q.K^T / sqrt(d)) per row, y = (P.V).Wo (rescaled). x is at scale 2^s in signed b
// bits, range-checked by the caller; y likewise.
template AttentionHead(L, d, s, b, headShift, Wq, Wk, Wv, Wo) {
    signal input x[L][d];
    signal output y[L][d];
    var zero[d];
    for (var j = 0; j < d; j++) {
        zero[j] = 0;
    }
    component pq[L];
    component pk[L];
    component pv[L];
    component rq[L][d];
    component rk[L][d];
    component rv[L][d];
    signal q[L][d];
    signal kT[d][L];
    signal v[L][d];
    for (var l = 0; l < L; l++) {
        pq[l] = DenseConst(d, d, Wq, zero);
        pk[l] = DenseConst(d, d, Wk, zero);
        pv[l] = DenseConst(d, d, Wv, zero);
        pq[l].in <== x[l];
        pk[l].in <== x[l];
        pv[l].in <== x[l];
        for (var j = 0; j < d; j++) {
            rq[l][j] = Rescale(s, b);
            rq[l][j].in <== pq[l].out[j];
            q[l][j] <== rq[l][j].out;
            rk[l][j] = Rescale(s, b);
            rk[l][j].in <== pk[l].out[j];
            kT[j][l] <== rk[l][j].out;
            rv[l][j] = Rescale(s, b);
            rv[l][j].in <== pv[l].out[j];
            v[l][j] <== rv[l][j].out;
        }
    }
    component scores = MatMul(L, d, L);
    scores.a <== q;
    scores.b <== kT;
    component rs[L][L];
    component sm[L];
    signal p[L][L];
    for (var i = 0; i < L; i++) {
        sm[i] = SofterMax(L, s, b);
        for (var j = 0; j < L; j++) {
            rs[i][j] = Rescale(s + headShift, b);
            rs[i][j].in <== scores.out[i][j];
            sm[i].in[j] <== rs[i][j].out;
        }
        p[i] <== sm[i].out;
    }
    component pvMul = MatMul(L, L, d);
    pvMul.a <== p;
    pvMul.b <== v;
    component ro[L][d];
    component po[L];
    component ry[L][d];
    signal o[L][d];
    for (var l = 0; l < L; l++) {
        for (var j = 0; j < d; j++) {
            ro[l][j] = Rescale(s, b);
            ro[l][j].in <== pvMul.out[l][j];
            o[l][j] <== ro[l][j].out;
        }
        po[l] = DenseConst(d, d, Wo, zero);
        po[l].in <== o[l];
        for (var j = 0; j < d; j++) {
            ry[l][j] = Rescale(s, b);
            ry[l][j].in <== po[l].out[j];
            y[l][j] <== ry[l][j].out;
        }
    }
}
