using System.Buffers;
using System.Text.Json;

namespace Platform.Benchmarks;

/// <summary>The connect benchmark's rows as typed columns (what a hand-written loader holds) and as the JSON records a sink reads.</summary>
internal sealed class BenchRows
{
    private BenchRows(long[] id, string[] name, int[] qty, double[] price, DateTime[] at)
    {
        Id = id;
        Name = name;
        Qty = qty;
        Price = price;
        At = at;
    }

    public int Count => Id.Length;

    public long[] Id { get; }

    public string[] Name { get; }

    public int[] Qty { get; }

    public double[] Price { get; }

    public DateTime[] At { get; }

    public static BenchRows Create(int count)
    {
        var at = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return new BenchRows(
            [.. Enumerable.Range(0, count).Select(i => (long)i)],
            [.. Enumerable.Range(0, count).Select(i => "name-" + i)],
            [.. Enumerable.Range(0, count).Select(i => i % 100)],
            [.. Enumerable.Range(0, count).Select(i => i * 0.5)],
            [.. Enumerable.Range(0, count).Select(i => at.AddSeconds(i))]);
    }

    /// <summary>The same rows with <paramref name="suffix"/> appended to every name (what the upserts change).</summary>
    public BenchRows WithNameSuffix(string suffix) => new(Id, [.. Name.Select(n => n + suffix)], Qty, Price, At);

    /// <summary>Each row as schemaless JSON: key <c>{"id": ..}</c>, value with every column (<c>at</c> in epoch milliseconds).</summary>
    public IEnumerable<(byte[] Key, byte[] Value)> Json()
    {
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < Count; i++)
        {
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("id", Id[i]);
                json.WriteEndObject();
            }

            var key = buffer.WrittenSpan.ToArray();
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("id", Id[i]);
                json.WriteString("name", Name[i]);
                json.WriteNumber("qty", Qty[i]);
                json.WriteNumber("price", Price[i]);
                json.WriteNumber("at", new DateTimeOffset(At[i]).ToUnixTimeMilliseconds());
                json.WriteEndObject();
            }

            yield return (key, buffer.WrittenSpan.ToArray());
        }
    }
}
