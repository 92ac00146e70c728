using System.Collections;
using System.Reflection;
using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Messages;

/// <summary>
/// Fills every property a version carries with a non-default value, using the generator's table of
/// field versions, and compares messages property by property. Reflection is fine here: tests only.
/// </summary>
internal static class MessageFiller
{
    public static void Fill(object target, short version)
    {
        var seed = 1;
        Fill(target, version, ref seed);
    }

    private static void Fill(object target, short version, ref int seed)
    {
        var type = target.GetType();
        var fresh = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite)
            {
                continue;
            }

            var (low, high) = FieldVersions.Map[$"{Key(type)}.{property.Name}"];
            if (version < low || version > high)
            {
                continue;
            }

            property.SetValue(target, Value(property.PropertyType, property.GetValue(fresh), version, ref seed));
        }
    }

    private static string Key(Type type) => type.DeclaringType is { } outer ? $"{outer.Name}+{type.Name}" : type.Name;

    private static object Value(Type type, object? defaultValue, short version, ref int seed)
    {
        var n = seed++;
        var small = (n % 100) + 1;
        if (defaultValue is IConvertible && !type.IsEnum && type != typeof(string) && Equals(Convert.ChangeType(small, type), defaultValue))
        {
            small++;
        }

        if (type == typeof(bool))
        {
            return !(bool)defaultValue!;
        }

        if (type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int) || type == typeof(uint) || type == typeof(long))
        {
            return Convert.ChangeType(small, type);
        }

        if (type == typeof(double))
        {
            return small + 0.5;
        }

        if (type == typeof(string))
        {
            return $"s{n}";
        }

        if (type == typeof(byte[]))
        {
            return new byte[] { 1, 2, (byte)n };
        }

        if (type == typeof(Guid))
        {
            return new Guid(n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        }

        if (type == typeof(Records))
        {
            return new MemoryRecords(new byte[] { 9, 8, 7, (byte)n });
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var elementType = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            var elementDefault = elementType.IsValueType ? Activator.CreateInstance(elementType) : null;
            for (var i = 0; i < 2; i++)
            {
                list.Add(Value(elementType, elementDefault, version, ref seed));
            }

            return list;
        }

        if (typeof(IKafkaMessage).IsAssignableFrom(type))
        {
            var nested = Activator.CreateInstance(type)!;
            Fill(nested, version, ref seed);
            return nested;
        }

        throw new NotSupportedException($"No filler for {type}.");
    }

    /// <summary>Returns a description of the first difference between two messages, or null when they are equal.</summary>
    public static string? Difference(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: {expected ?? "null"} vs {actual ?? "null"}";
        }

        switch (expected)
        {
            case byte[] bytes:
                return bytes.AsSpan().SequenceEqual((byte[])actual) ? null : $"{path}: bytes differ";
            case MemoryRecords records:
                return records.Data.Span.SequenceEqual(((MemoryRecords)actual).Data.Span) ? null : $"{path}: records differ";
            case IList list:
                var other = (IList)actual;
                if (list.Count != other.Count)
                {
                    return $"{path}: {list.Count} vs {other.Count} elements";
                }

                for (var i = 0; i < list.Count; i++)
                {
                    if (Difference(list[i], other[i], $"{path}[{i}]") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            case IKafkaMessage:
                foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (Difference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            default:
                return Equals(expected, actual) ? null : $"{path}: {expected} vs {actual}";
        }
    }
}
