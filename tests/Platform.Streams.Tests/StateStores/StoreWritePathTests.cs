using System.Text;
using Platform.Client.Serialization;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.StateStores;

/// <summary>What an aggregation's store update costs: the key serialized once, the timestamped value in one array, cache updates without new nodes.</summary>
public sealed class StoreWritePathTests
{
    private static StreamsConfig Config(bool caching) => new()
    {
        ApplicationId = "write-path",
        StateStoreCacheMaxBytes = caching ? 10 * 1024 * 1024 : 0,
        DefaultDslStore = "in_memory",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Count_EachUpdate_SerializesTheStoreKeyOnce(bool caching)
    {
        var keys = new CountingSerializer();
        var builder = new StreamsBuilder();
        builder.Stream("words", Consumed.With(Serdes.String, Serdes.String))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("counts").WithKeySerde(Serdes.From(keys, Serdes.String)).WithValueSerde(Serdes.Int64))
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config(caching));
        var input = driver.CreateInputTopic("words", Serdes.String, Serdes.String);

        foreach (var word in new[] { "a", "b", "a", "a", "c" })
        {
            input.PipeInput("k", word, 100);
        }

        Assert.Equal(5, keys.Calls);
        Assert.Equal(3L, driver.GetKeyValueStore<string, long>("counts").Get("a"));
    }

    [Fact]
    public void Reduce_EachUpdate_SerializesTheStoreKeyOnce()
    {
        var keys = new CountingSerializer();
        var builder = new StreamsBuilder();
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.String))
            .GroupByKey()
            .Reduce((a, b) => a + b, Materialized.As<string, string>("joined").WithKeySerde(Serdes.From(keys, Serdes.String)).WithValueSerde(Serdes.String).WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(), Config(caching: false));
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "x", 1);
        input.PipeInput("k", "y", 2);
        input.PipeInput("j", "z", 3);

        Assert.Equal(3, keys.Calls);
        Assert.Equal("xy", driver.GetKeyValueStore<string, string>("joined").Get("k"));
    }

    [Fact]
    public void ValueAndTimestampSerde_BuiltInValueSerdes_SameLayoutInOneArray()
    {
        var context = new SerializationContext(MessageComponentType.Value, "t");
        var longs = new ValueAndTimestampSerde<long>(Serdes.Int64);
        var strings = new ValueAndTimestampSerde<string>(Serdes.String);
        var ints = new ValueAndTimestampSerde<int>(Serdes.Int32);

        Assert.Equal(Convert.FromHexString("00000000000001F4" + "0000000000000007"), longs.Serialize(new ValueAndTimestamp<long>(7, 500), context));
        Assert.Equal(Convert.FromHexString("0000000000000001" + "FFFFFFFF"), ints.Serialize(new ValueAndTimestamp<int>(-1, 1), context));
        Assert.Equal([.. Convert.FromHexString("0000000000000002"), .. Encoding.UTF8.GetBytes("hé")], strings.Serialize(new ValueAndTimestamp<string>("hé", 2), context)!);
        Assert.Equal(new ValueAndTimestamp<string>("hé", 2), strings.Deserialize(strings.Serialize(new ValueAndTimestamp<string>("hé", 2), context)!, false, context));

        var stamped = new ValueAndTimestamp<long>(42, 9);
        longs.Serialize(stamped, context);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            longs.Serialize(stamped, context);
        }

        // One 16-byte array each (40 bytes with its header), not a value array plus the stamped copy.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before <= 1000 * 48, "more than one array per serialized value");
    }

    [Fact]
    public void NamedCache_UpdatingCachedKeys_AllocatesNothing()
    {
        var flushed = new List<int>();
        var cache = new NamedCache("c", entries => flushed.Add(entries.Count));
        var keys = Enumerable.Range(0, 100).Select(i => new Bytes([(byte)i])).ToArray();
        var value = new byte[8];
        foreach (var key in keys)
        {
            cache.Put(key, value, dirty: true, 1, null, "t", 0, 0);
        }

        cache.Flush();
        foreach (var key in keys)
        {
            cache.Put(key, value, dirty: true, 1, null, "t", 0, 0);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            foreach (var key in keys)
            {
                cache.Put(key, value, dirty: true, 2, null, "t", 0, 1);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        cache.Flush();
        Assert.Equal([100, 100], flushed);
        Assert.Equal(0, cache.DirtyCount);
    }

    private sealed class CountingSerializer : ISerializer<string>
    {
        public int Calls { get; private set; }

        public byte[]? Serialize(string data, SerializationContext context)
        {
            Calls++;
            return data is null ? null : Encoding.UTF8.GetBytes(data);
        }
    }
}
