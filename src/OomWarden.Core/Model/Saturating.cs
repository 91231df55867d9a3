namespace OomWarden.Core.Model;

/// <summary>Arithmetic on kernel figures (bytes, pages) that cannot wrap. Every value comes from a file that a broken
/// kernel, a fixture or a hostile snapshot may fill with numbers near 2^63: a sum that wrapped would turn a huge
/// footprint into <c>long.MinValue</c> (the least likely victim) or a huge MemFree into a negative MemAvailable
/// (a kill). These clamp at <see cref="long.MaxValue"/> / <see cref="long.MinValue"/> instead.</summary>
public static class Saturating
{
    public static long Add(long a, long b)
    {
        long sum = unchecked(a + b);
        // Overflow iff both operands have the same sign and the sum's sign differs.
        if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
        return sum;
    }

    public static long Add(long a, long b, long c) => Add(Add(a, b), c);

    public static long Subtract(long a, long b)
    {
        long difference = unchecked(a - b);
        // Overflow iff the operands have different signs and the result's sign differs from a's.
        if (((a ^ b) & (a ^ difference)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
        return difference;
    }

    public static long Multiply(long a, long b) => Clamp((Int128)a * b);

    public static long Clamp(Int128 value) =>
        value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;
}
