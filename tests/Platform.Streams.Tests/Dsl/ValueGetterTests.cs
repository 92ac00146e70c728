using Platform.Streams.Dsl;
using Platform.Streams.Dsl.Internal;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

// The mechanism joins read tables with: a getter through a non-materialized filter materializes the source table.
public sealed class ValueGetterTests
{
    [Fact]
    public void ValueGetter_ThroughFilter_ReadsSourceStoreAndAppliesPredicate()
    {
        var builder = new StreamsBuilder();
        var table = (KTable<string, string>)builder.Table("users", Consumed.With(Serdes.String, Serdes.String)).Filter((_, v) => v != "hidden");
        var getters = table.ValueGetterSupplier();
        builder.Stream("lookups", Consumed.With(Serdes.String, Serdes.String))
            .Process(() => new Lookup(getters.Get()), [.. getters.StoreNames])
            .To("found", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build());
        var users = driver.CreateInputTopic("users", Serdes.String, Serdes.String);
        var lookups = driver.CreateInputTopic("lookups", Serdes.String, Serdes.String);

        users.PipeInput("alice", "eu");
        users.PipeInput("bob", "hidden");
        lookups.PipeInput("alice", "?");
        lookups.PipeInput("bob", "?");
        lookups.PipeInput("carol", "?");

        Assert.Equal(["users-STATE-STORE-0000000000"], getters.StoreNames);
        Assert.Equal(
            [new("alice", "eu"), new("bob", "none"), new("carol", "none")],
            driver.CreateOutputTopic("found", Serdes.String, Serdes.String).ReadKeyValuesToList());
    }

    private sealed class Lookup(IKTableValueGetter<string, string> getter) : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context)
        {
            _context = context;
            getter.Init(name => context.GetStateStore<IStateStore>(name));
        }

        public void Process(Record<string, string> record)
            => _context!.Forward(record with { Value = getter.Get(record.Key)?.Value ?? "none" });
    }
}
