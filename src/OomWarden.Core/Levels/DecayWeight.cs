namespace OomWarden.Core.Levels;

/// <summary>1 − e^(−x) for x ≥ 0 in managed code. Math.Exp is glibc's exp() in the NativeAOT binary, and each call
/// from the loop faulted libm's code and tables back in after the start-up trim, 64 KiB at a time (0.3 MiB of
/// libm resident in the idle daemon; docs/DESIGN.md, "Idle footprint"). Accurate to a few ulps (tested against
/// Math.Exp).</summary>
public static class DecayWeight
{
    private const double Ln2Hi = 6.93147180369123816490e-01; // ln 2, its high bits (exact times small integers)
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;

    /// <summary>1 − e^(−x); 0 for x ≤ 0 (and NaN), 1 once e^(−x) is below half an ulp of 1.</summary>
    public static double OneMinusExpNegative(double x)
    {
        if (!(x > 0)) return 0;
        if (x > 40) return 1;
        if (x < 0.5)
        {
            // −expm1(−x) = x − x²/2! + x³/3! − ...: no cancellation for small x. 18 terms: the next is < 1e-21.
            double term = x, sum = x;
            for (int n = 2; n <= 18; n++)
            {
                term *= -x / n;
                sum += term;
            }
            return sum;
        }
        return 1 - ExpNegative(x);
    }

    /// <summary>e^(−x) for 0 ≤ x ≤ 40: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^(−r) by its series, times 2^(−k).</summary>
    public static double ExpNegative(double x)
    {
        long k = (long)(x * InvLn2 + 0.5);
        double r = (x - k * Ln2Hi) - k * Ln2Lo;
        // e^(−r), |r| ≤ 0.35: Horner over 1/n!, 16 terms (0.35^17/17! < 1e-21).
        double sum = 1;
        for (int n = 16; n >= 1; n--) sum = 1 + sum * (-r / n);
        return sum * BitConverter.Int64BitsToDouble((1023 - k) << 52);
    }
}
