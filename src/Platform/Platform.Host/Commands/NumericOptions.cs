using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Platform.Host.Commands;

/// <summary>Range rules for numeric options.</summary>
internal static class NumericOptions
{
    /// <summary>
    /// Requires the option's value to be at least <paramref name="min"/>. The rule reads the tokens itself: a value
    /// that does not parse is the parser's error to report (reading the converted value would throw instead).
    /// </summary>
    public static TOption AtLeast<TOption, T>(this TOption option, T min)
        where TOption : Option
        where T : INumber<T>
    {
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (T.TryParse(token.Value, CultureInfo.InvariantCulture, out var value) && value < min)
                {
                    r.AddError($"{option.Name} must be at least {min}.");
                }
            }
        });
        return option;
    }
}
