using CsCheck;
using OomWarden.Core.Levels;

namespace OomWarden.Core.Tests.Levels;

/// <summary>The slope's weight 1 − e^(−x), computed without libm, against Math.Exp.</summary>
public class DecayWeightTests
{
    private static void Close(double expected, double actual, double x)
    {
        // A few ulps (an ulp is 1.1e-16 to 2.2e-16 of the value).
        if (Math.Abs(expected - actual) > 1e-15 * Math.Abs(expected))
            throw new Exception($"x = {x:R}: expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void MatchesOneMinusMathExpOverItsRange() =>
        Gen.Double[0, 45].Sample(x =>
        {
            double actual = DecayWeight.OneMinusExpNegative(x);
            // Below 0.5, 1 − Math.Exp(−x) itself loses digits to the subtraction: compare absolutely there.
            if (x >= 0.5) Close(1 - Math.Exp(-x), actual, x);
            else Assert.True(Math.Abs((1 - Math.Exp(-x)) - actual) <= 2.3e-16, $"x = {x:R}");
        }, iter: 100_000);

    [Fact]
    public void ExpNegativeMatchesMathExp() =>
        Gen.Double[0, 40].Sample(x => Close(Math.Exp(-x), DecayWeight.ExpNegative(x), x), iter: 100_000);

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(-1.0, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(41.0, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    public void EdgesAreExact(double x, double expected) => Assert.Equal(expected, DecayWeight.OneMinusExpNegative(x));

    [Fact]
    public void SmallArgumentsKeepTheirDigits()
    {
        // 1 ms against a 2 s time constant: the weight is x − x²/2 + ..., not 1 − 0.99950012...
        double x = 0.0005;
        Assert.Equal(x - x * x / 2 + x * x * x / 6 - x * x * x * x / 24 + x * x * x * x * x / 120, DecayWeight.OneMinusExpNegative(x), 1e-19);
    }
}
