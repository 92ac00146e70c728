using System.Globalization;
using System.Numerics;

namespace Platform.Connect.Data;

/// <summary>
/// Kafka Connect's <c>org.apache.kafka.connect.data.Decimal</c> logical type: the unscaled value as big-endian two's
/// complement bytes with the <c>scale</c> parameter on the wire, a <see cref="decimal"/> in Connect data.
/// </summary>
public static class Decimal
{
    /// <summary>The logical type's schema name.</summary>
    public const string LogicalName = "org.apache.kafka.connect.data.Decimal";

    /// <summary>The parameter holding the scale.</summary>
    public const string ScaleField = "scale";

    /// <summary>A builder of a decimal schema with <paramref name="scale"/> digits after the point.</summary>
    public static SchemaBuilder Builder(int scale)
        => SchemaBuilder.Bytes().Name(LogicalName).Version(1).Parameter(ScaleField, scale.ToString(CultureInfo.InvariantCulture));

    /// <summary>The scale of a decimal schema.</summary>
    /// <exception cref="DataException">The schema has no valid scale parameter.</exception>
    public static int Scale(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Parameters.TryGetValue(ScaleField, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale)
            ? scale
            : throw new DataException($"Decimal schema {schema} has no valid '{ScaleField}' parameter.");
    }

    /// <summary>The unscaled bytes of <paramref name="value"/> at <paramref name="scale"/>.</summary>
    public static byte[] FromLogical(int scale, decimal value)
    {
        var unscaled = new BigInteger(decimal.Round(value, scale) * Pow10(scale));
        return unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);
    }

    /// <summary>The value of unscaled <paramref name="bytes"/> at <paramref name="scale"/>.</summary>
    public static decimal ToLogical(int scale, ReadOnlySpan<byte> bytes)
        => (decimal)new BigInteger(bytes, isUnsigned: false, isBigEndian: true) / Pow10(scale);

    private static decimal Pow10(int scale)
    {
        var result = 1m;
        for (var i = 0; i < scale; i++)
        {
            result *= 10m;
        }

        return result;
    }
}
