using Platform.Streams.Dsl.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Dsl;

/// <summary>
/// The count combiner's table on its own: keys counted apart or together exactly as they compare, whatever their
/// length (inline in a slot or not), through the table's growth, flushes and clears.
/// </summary>
public sealed class CountCombinerTableTests
{
    private static Dictionary<TKey, (long Count, long Timestamp)> Take<TKey>(CountCombinerTable<TKey> table)
        where TKey : notnull
    {
        var taken = new Dictionary<TKey, (long, long)>();
        foreach (var partial in table.TakeCounted())
        {
            Assert.True(taken.TryAdd(partial.Key, (partial.Count, partial.Timestamp)), $"key {partial.Key} taken twice");
        }

        table.Flushed();
        return taken;
    }

    [Fact]
    public void Add_StringKeysShortAndLongSharingPrefixes_CountedPerKeyWithTheirLargestTimestamp()
    {
        var table = new CountCombinerTable<string>(Serdes.String, "t", 1 << 20);
        var prefix = new string('x', 20);
        string[] keys = ["", "a", "ab", prefix, prefix + "a", prefix + "b", prefix + "ab", new string('y', 19) + "z", "\u00e9t\u00e9", "a\0"];
        var expected = new Dictionary<string, (long Count, long Timestamp)>(StringComparer.Ordinal);
        var random = new Random(3);
        for (var i = 0; i < 2_000; i++)
        {
            // New string objects each time, as a record's key is.
            var key = new string(keys[random.Next(keys.Length)].AsSpan());
            var timestamp = random.Next(1_000);
            Assert.False(table.Add(key, timestamp));
            var (count, latest) = expected.GetValueOrDefault(key);
            expected[key] = (count + 1, Math.Max(latest, timestamp));
        }

        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), Take(table).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Empty(Take(table));
    }

    [Fact]
    public void Add_TensOfThousandsOfInt32KeysAcrossFlushes_EachCountedOncePerFlush()
    {
        // Keys a multiple of every table size apart, so a weak hash would put them all in one run of slots.
        var table = new CountCombinerTable<int>(Serdes.Int32, "t", 1 << 30);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 40_000; i++)
            {
                table.Add(i * 65_536, round);
                table.Add(i * 65_536, round);
            }

            var taken = Take(table);
            Assert.Equal(40_000, taken.Count);
            Assert.All(taken, t => Assert.Equal((2L, (long)round), t.Value));
        }
    }

    [Fact]
    public void Add_OverItsBudget_AsksForAFlushAndForgetsItsKeysAfterIt()
    {
        var table = new CountCombinerTable<long>(Serdes.Int64, "t", 10_000);
        var asked = -1;
        for (var i = 0; i < 1_000 && asked < 0; i++)
        {
            if (table.Add(i, i))
            {
                asked = i;
            }
        }

        Assert.InRange(asked, 15, 1_000);
        var taken = Take(table);
        Assert.Equal(asked + 1, taken.Count);
        Assert.All(taken, t => Assert.Equal((1L, t.Key), t.Value));

        // Forgotten: the budget is whole again, and a key comes back as new.
        Assert.False(table.Add(5, 50));
        Assert.Equal(KeyValuePair.Create(5L, (1L, 50L)), Assert.Single(Take(table)));
    }

    [Fact]
    public void Add_MoreKeysThanItsSlotsMayHold_FlushesAndKeepsItsSlots()
    {
        // A budget of 64 KiB: at most 32 KiB of slots (512), full at 320 keys. Every key counted once per round, and once
        // the table has its size, rounds of more keys than it holds allocate nothing (its slots are not made anew).
        var table = new CountCombinerTable<int>(Serdes.Int32, "t", 64 << 10);
        var results = new (long Counted, int Flushes)[4];
        var allocated = new long[4];
        for (var round = 0; round < 4; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var key = round * 1_000; key < (round + 1) * 1_000; key++)
            {
                if (table.Add(key, key))
                {
                    results[round].Flushes++;
                    foreach (var partial in table.TakeCounted())
                    {
                        results[round].Counted += partial.Count;
                    }

                    table.Flushed();
                }
            }

            foreach (var partial in table.TakeCounted())
            {
                results[round].Counted += partial.Count;
            }

            table.Flushed();
            allocated[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.All(results, r => Assert.Equal(1_000, r.Counted));
        Assert.All(results, r => Assert.InRange(r.Flushes, 2, 4));
        Assert.Equal([0, 0, 0], allocated[1..]);
    }

    [Fact]
    public void Clear_WithKeysCountedAndPending_DropsThemAll()
    {
        var table = new CountCombinerTable<string>(Serdes.String, "t", 1 << 20);
        for (var i = 0; i < 100; i++)
        {
            table.Add("w" + (i % 7), i);
        }

        table.Clear();
        Assert.Empty(Take(table));
        table.Add("w1", 1);
        Assert.Equal(KeyValuePair.Create("w1", (1L, 1L)), Assert.Single(Take(table)));
    }

    [Fact]
    public void Add_WithoutBudget_AsksForAFlushAtEveryRecord()
    {
        var table = new CountCombinerTable<string>(Serdes.String, "t", 0);
        Assert.True(table.Add("a", 1));
        Assert.Equal(KeyValuePair.Create("a", (1L, 1L)), Assert.Single(Take(table)));
        Assert.True(table.Add("a", 2));
        Assert.Equal(KeyValuePair.Create("a", (1L, 2L)), Assert.Single(Take(table)));
    }
}
