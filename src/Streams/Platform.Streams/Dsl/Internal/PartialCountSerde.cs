using System.Buffers.Binary;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Protocol.RecordFormat;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The values of a repartition topic that feeds a <c>Count</c>, as the count reads them: how many records a
/// repartition record stands for, or null for a record the count skips (null value).
/// <para><b>Wire format (internal).</b> A record written by <see cref="KStreamCountCombiner{TKey,TValue}"/> carries
/// the header <see cref="MarkerHeader"/> (no value) and its value is the partial count, 8 bytes big-endian
/// (at least 1); its key is the grouping key as the key serde writes it, its timestamp the largest of the records
/// it combines. A record without the header is an uncombined one, written with the grouping's value serde (the
/// format without the optimization): it counts 1 unless its value is null (a value serde gives null only for
/// null bytes, as its serializer writes null values as null). The count reads both formats whether or not the
/// optimization is on, so a change of <c>topology.optimization</c> is safe while records are in flight.</para>
/// </summary>
internal sealed class PartialCountSerde : ISerde<long?>, ISpanWriter<long?>
{
    /// <summary>The one instance.</summary>
    public static readonly PartialCountSerde Instance = new();

    /// <summary>The header that marks a combined record.</summary>
    public const string MarkerHeader = "__streams.partial.count";

    private static readonly byte[] MarkerKey = System.Text.Encoding.UTF8.GetBytes(MarkerHeader);

    /// <summary>The headers of every combined record (never changed).</summary>
    public static readonly Headers Marker = NewMarker();

    /// <summary>
    /// Whether headers as read from a topic are the marker alone, as the combiner writes them. The runtime then hands
    /// the record on with <see cref="Marker"/> rather than headers of its own: the count reads thousands of these per
    /// commit, each would be a <see cref="Headers"/> (with its list) kept by the record cache until the key's next
    /// update, and so copied by every young-generation collection meanwhile (twice the collector's pauses).
    /// </summary>
    public static bool IsMarkerOnly(RecordHeaders headers)
    {
        if (headers.Count != 1)
        {
            return false;
        }

        foreach (var header in headers)
        {
            return header.Value is null && header.Key.Span.SequenceEqual(MarkerKey);
        }

        return false;
    }

    /// <summary>Headers the record a source hands on carries: none in place of the shared <see cref="Marker"/>.</summary>
    public static Headers? WithoutMarker(Headers? headers) => ReferenceEquals(headers, Marker) ? null : headers;

    /// <summary>Whether <paramref name="headers"/> mark a combined record.</summary>
    public static bool IsMarked(Headers? headers) => headers is not null && headers.TryGetLastBytes(MarkerHeader, out _);

    /// <inheritdoc/>
    public byte[]? Serialize(long? data, SerializationContext context)
    {
        if (data is not { } count)
        {
            return null;
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, count);
        return bytes;
    }

    /// <inheritdoc/>
    int ISpanWriter<long?>.Size(long? data) => data is null ? -1 : 8;

    /// <inheritdoc/>
    int ISpanWriter<long?>.Write(long? data, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, data!.Value);
        return 8;
    }

    /// <inheritdoc/>
    public long? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (IsMarked(context.Headers))
        {
            FixedWidth.Require(data, isNull, 8, "partial count", context);
            var count = BinaryPrimitives.ReadInt64BigEndian(data);
            if (count < 1)
            {
                throw new InvalidDataException($"A partial count of {count} in topic '{context.Topic}': partial counts are at least 1.");
            }

            // The record's own headers, which the count's updates would carry on: the marker is ours, not the user's.
            // The shared marker (what the runtime reads) is left as it is: the source drops it from the record.
            if (!ReferenceEquals(context.Headers, Marker))
            {
                context.Headers!.Remove(MarkerHeader);
            }

            return count;
        }

        // An uncombined record: it counts unless its value is null.
        return isNull ? null : 1;
    }

    /// <summary>Headers of a record's own holding the marker (the raw record a handler sees may change them).</summary>
    public static Headers NewMarker()
    {
        var headers = new Headers();
        headers.Add(MarkerHeader, null);
        return headers;
    }
}
