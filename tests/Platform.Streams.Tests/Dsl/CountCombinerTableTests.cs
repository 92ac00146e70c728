using Platform.Streams.Dsl.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Dsl;

/// <summary>
/// The count combiner's table on its own: keys counted apart or together exactly as they compare, whatever their
/// length (inline in a slot or not), through the table's growth, flushes and clears, and once full, records of the
/// keys it has no room for passed as they are.
/// </summary>
public sealed class CountCombinerTableTests
{
    /// <summary>A flush: the keys counted (each once) and the records passed, as counts per key.</summary>
    private static Dictionary<TKey, (long Count, long Timestamp)> Take<TKey>(CountCombinerTable<TKey> table)
        where TKey : notnull
    {
        var taken = new Dictionary<TKey, (long Count, long Timestamp)>();
        foreach (var partial in table.TakeCounted())
        {
            Assert.True(taken.TryAdd(partial.Key, (partial.Count, partial.Timestamp)), $"key {partial.Key} taken twice");
        }

        AddPassed(table, taken);
        table.Flushed();
        return taken;
    }

    private static void AddPassed<TKey>(CountCombinerTable<TKey> table, Dictionary<TKey, (long Count, long Timestamp)> into)
        where TKey : notnull
    {
        foreach (var partial in table.TakePassed())
        {
            Assert.Equal(1, partial.Count);
            var (count, latest) = into.GetValueOrDefault(partial.Key);
            into[partial.Key] = (count + 1, Math.Max(latest, partial.Timestamp));
        }
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
    public void Add_StringKeysOfEveryInlineLength_ComeBackEqualAndApart()
    {
        // Up to 8 chars a key is kept as two longs (its first and last 4 chars, overlapping under 8) and made again
        // from them: keys whose halves overlap alike, with NULs, surrogates and chars above the ASCII range.
        var table = new CountCombinerTable<string>(Serdes.String, "t", 1 << 20);
        string[] keys =
        [
            "", "\0", "\0\0", "a", "ab", "abc", "abcd", "abcda", "abcdabcd", "abcdbcd", "abcdbcda", "aaaa", "aaaaa",
            "aaaaaaaa", "aaaaaaaaa", "\u00e9t\u00e9", "\ud83d\ude00", "\uffff\uffff\uffff\uffff", "12345678", "123456789",
        ];
        for (var i = 0; i < keys.Length; i++)
        {
            for (var n = 0; n <= i; n++)
            {
                Assert.False(table.Add(new string(keys[i].AsSpan()), (i * 10) + n));
            }
        }

        var taken = Take(table);
        Assert.Equal(keys.Length, taken.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal((i + 1L, (i * 10L) + i), taken[keys[i]]);
        }
    }

    [Fact]
    public void Add_Int64KeysAtTheEdges_CountedApartAndComeBackEqual()
    {
        var table = new CountCombinerTable<long>(Serdes.Int64, "t", 1 << 20);
        long[] keys = [0, 1, -1, long.MinValue, long.MaxValue, int.MinValue, int.MaxValue, 1L << 32, (1L << 32) + 1];
        foreach (var key in keys)
        {
            table.Add(key, 7);
            table.Add(key, 3);
        }

        Assert.Equal(keys.Order(), Take(table).Select(t => t.Key).Order());
        var ints = new CountCombinerTable<int>(Serdes.Int32, "t", 1 << 20);
        foreach (var key in (int[])[0, 1, -1, int.MinValue, int.MaxValue])
        {
            ints.Add(key, key);
        }

        Assert.Equal([int.MinValue, -1, 0, 1, int.MaxValue], Take(ints).Select(t => t.Key).Order());
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
    public void Add_OverItsBudget_PassesNewKeysAndGoesOnCountingItsOwn()
    {
        // A budget of 10,000 bytes: 64 slots (2 KiB) and the keys it may hold besides.
        var table = new CountCombinerTable<long>(Serdes.Int64, "t", 10_000);
        var total = new Dictionary<long, (long Count, long Timestamp)>();
        for (var i = 0; i < 1_000; i++)
        {
            if (table.Add(i, i))
            {
                Assert.False(table.FlushRequested);
                AddPassed(table, total);
            }
        }

        // The keys it took first stay and count their records again; a key it passed passes again.
        table.Add(0, 2_000);
        table.Add(999, 2_001);
        var counted = table.TakeCounted().ToArray();
        AddPassed(table, total);
        table.Flushed();
        foreach (var partial in counted)
        {
            var (count, latest) = total.GetValueOrDefault(partial.Key);
            total[partial.Key] = (count + partial.Count, Math.Max(latest, partial.Timestamp));
        }

        Assert.InRange(counted.Length, 20, 100);
        Assert.Equal((0L, 2L, 2_000L), counted.Select(p => (p.Key, p.Count, p.Timestamp)).First(p => p.Key == 0));
        Assert.DoesNotContain(counted, p => p.Key == 999);
        Assert.Equal(1_000, total.Count);
        Assert.Equal((2L, 2_000L), total[0]);
        Assert.Equal((2L, 2_001L), total[999]);
        Assert.All(total.Where(t => t.Key is > 0 and < 999), t => Assert.Equal((1L, t.Key), t.Value));
    }

    [Fact]
    public void Flushed_AfterPassingKeys_ForgetsTheKeysIdleSinceTheFlushBefore()
    {
        // A budget of 4 KiB: 64 slots and the first H keys. Keys 0 to H+20 fill it and pass; then keys 10 to H+9 come,
        // 0-9 idle: after that flush, 0-9 are forgotten and make room for 10 new keys, while 0-9 now pass.
        var table = new CountCombinerTable<int>(Serdes.Int32, "t", 4 << 10);
        for (var key = 0; key < 60; key++)
        {
            table.Add(key, 1);
        }

        var held = table.TakeCounted().ToArray().Select(p => p.Key).Order().ToList();
        var h = held.Count;
        Assert.InRange(h, 30, 40);
        Assert.Equal(Enumerable.Range(0, h), held);
        Assert.Equal(Enumerable.Range(h, 60 - h), table.TakePassed().ToArray().Select(p => p.Key).Order());
        table.Flushed();
        for (var key = 10; key < h + 10; key++)
        {
            table.Add(key, 2);
        }

        Assert.Equal(Enumerable.Range(10, h - 10), table.TakeCounted().ToArray().Select(p => p.Key).Order());
        Assert.Equal(Enumerable.Range(h, 10), table.TakePassed().ToArray().Select(p => p.Key).Order());
        table.Flushed();
        foreach (var key in Enumerable.Range(h, 10).Concat(Enumerable.Range(0, h)))
        {
            table.Add(key, 3);
        }

        Assert.Equal(Enumerable.Range(10, h), table.TakeCounted().ToArray().Select(p => p.Key).Order());
        Assert.Equal(Enumerable.Range(0, 10), table.TakePassed().ToArray().Select(p => p.Key).Order());
        table.Flushed();
    }

    [Fact]
    public void Add_MoreKeysThanItHolds_EveryRecordCountedOnceAndItsSlotsKept()
    {
        // A budget of 32 KiB: at most 16 KiB of slots (512), room for about 300 keys. Each round brings 1,000 new keys:
        // the table still holds the keys of the round before, idle for one round only, so every key passes; after that
        // round's flush it is empty and takes its first keys again in the next. Every record is counted or passed once
        // per round, and once the table has its size, rounds allocate nothing (its slots are not made anew, nor its
        // passed records' array).
        var table = new CountCombinerTable<int>(Serdes.Int32, "t", 32 << 10);
        var counted = new long[4];
        var passed = new long[4];
        var allocated = new long[4];
        for (var round = 0; round < 4; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var key = round * 1_000; key < (round + 1) * 1_000; key++)
            {
                if (table.Add(key, key))
                {
                    passed[round] += table.TakePassed().Length;
                }
            }

            foreach (var partial in table.TakeCounted())
            {
                counted[round] += partial.Count;
            }

            passed[round] += table.TakePassed().Length;
            table.Flushed();
            allocated[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal([1_000, 1_000, 1_000, 1_000], counted.Zip(passed, (c, p) => c + p));
        Assert.InRange(counted[0], 250, 320);
        Assert.Equal([counted[0], 0, counted[0], 0], counted);
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
    public void Add_WithoutBudget_PassesEveryRecordAtOnce()
    {
        var table = new CountCombinerTable<string>(Serdes.String, "t", 0);
        Assert.True(table.Add("a", 1));
        Assert.Equal(("a", 1L, 1L), Assert.Single(table.TakePassed().ToArray().Select(p => (p.Key, p.Count, p.Timestamp))));
        Assert.True(table.Add("a", 2));
        Assert.Equal(("a", 1L, 2L), Assert.Single(table.TakePassed().ToArray().Select(p => (p.Key, p.Count, p.Timestamp))));
        Assert.Empty(table.TakeCounted().ToArray());
    }
}
