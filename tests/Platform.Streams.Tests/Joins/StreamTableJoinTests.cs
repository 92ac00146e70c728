using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Joins;

public class StreamTableJoinTests
{
    [Fact]
    public void Join_StreamRecord_UsesTheTablesLatestRow_TableUpdatesEmitNothing()
    {
        using var t = new StreamTableTopology((orders, customers) => orders.Join(customers, (o, c) => o + "@" + c));

        t.Customers.PipeInput("c1", "Ann", 1);
        t.Customers.PipeInput("c1", "Anna", 2);
        Assert.True(t.Output.IsEmpty);

        t.Orders.PipeInput("c1", "order-1", 10);
        t.Orders.PipeInput("c2", "order-2", 11);

        var result = Assert.Single(t.Output.ReadRecordsToList());
        Assert.Equal(("c1", "order-1@Anna", 10L), (result.Key, result.Value, result.Timestamp));
    }

    [Fact]
    public void Join_TableTombstone_RemovesTheRow()
    {
        using var t = new StreamTableTopology((orders, customers) => orders.Join(customers, (o, c) => o + "@" + c));

        t.Customers.PipeInput("c1", "Ann", 1);
        t.Customers.PipeInput("c1", null!, 2);
        t.Orders.PipeInput("c1", "order-1", 10);

        Assert.True(t.Output.IsEmpty);
    }

    [Fact]
    public void LeftJoin_NoRow_EmitsWithMissingTableValue()
    {
        using var t = new StreamTableTopology((orders, customers) => orders.LeftJoin(customers, (o, c) => o + "@" + (c ?? "unknown")));

        t.Orders.PipeInput("c1", "order-1", 10);
        t.Customers.PipeInput("c1", "Ann", 11);
        t.Orders.PipeInput("c1", "order-2", 12);

        Assert.Equal(["order-1@unknown", "order-2@Ann"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_OutOfOrderStreamRecord_JoinsWithTheCurrentRow()
    {
        using var t = new StreamTableTopology((orders, customers) => orders.LeftJoin(customers, (o, c) => o + "@" + (c ?? "unknown")));

        t.Customers.PipeInput("c1", "Ann", 100);
        t.Orders.PipeInput("c1", "older-order", 5);

        var result = Assert.Single(t.Output.ReadRecordsToList());
        Assert.Equal(("older-order@Ann", 5L), (result.Value, result.Timestamp));
    }

    [Fact]
    public void Join_StreamAfterKeyChange_IsRepartitioned()
    {
        using var t = new StreamTableTopology((orders, customers) => orders
            .SelectKey<string>((_, v) => v!.Split('/')[0])
            .Join(customers, (o, c) => o + "@" + c, Joined.As<string, string, string>("by-customer")));

        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("any", "c1/order-1", 10);

        Assert.Equal([new KeyValuePair<string, string>("c1", "c1/order-1@Ann")], t.Output.ReadKeyValuesToList());
        Assert.Contains("joins-by-customer-repartition", t.Driver.ProducedTopicNames);
    }

    [Fact]
    public void Join_RecordsCopartitionGroup_OfStreamAndTableSources()
    {
        var builder = new StreamsBuilder();
        var orders = builder.Stream("orders", Consumed.With(Serdes.String, Serdes.String));
        var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.String));
        orders.Join(customers, (o, c) => (o + c)).To("out", Produced.With(Serdes.String, Serdes.String));

        var topology = builder.Build(JoinTopology.Config(0));

        var group = Assert.Single(topology.CopartitionedSources);
        Assert.Equal(2, group.Length);
    }

    [Fact]
    public void GlobalTableJoin_KeySelector_LooksUpTheGlobalRow()
    {
        var builder = new StreamsBuilder();
        var orders = builder.Stream("orders", Consumed.With(Serdes.String, Serdes.String));
        var products = builder.GlobalTable("products", Consumed.With(Serdes.String, Serdes.String));
        orders.Join(products, (_, order) => order!.Split('/')[1], (order, product) => (order + "=" + product)).To("out", Produced.With(Serdes.String, Serdes.String));
        orders.LeftJoin(products, (_, order) => order!.Split('/')[1], (order, product) => (order + "=" + (product ?? "?"))).To("out-left", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(JoinTopology.Config(0)), JoinTopology.Config(0));
        var productsIn = driver.CreateInputTopic("products", Serdes.String, Serdes.String);
        var ordersIn = driver.CreateInputTopic("orders", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
        var leftOutput = driver.CreateOutputTopic("out-left", Serdes.String, Serdes.String);

        productsIn.PipeInput("p1", "Widget", 1);
        ordersIn.PipeInput("o1", "o1/p1", 5);
        ordersIn.PipeInput("o2", "o2/p9", 6);

        Assert.Equal([new KeyValuePair<string, string>("o1", "o1/p1=Widget")], output.ReadKeyValuesToList());
        Assert.Equal(["o1/p1=Widget", "o2/p9=?"], leftOutput.ReadValuesToList());
    }

    /// <summary>Stream "orders" and table "customers", both keyed by customer id, joined into "out".</summary>
    private sealed class StreamTableTopology : IDisposable
    {
        public StreamTableTopology(Func<IKStream<string, string>, IKTable<string, string>, IKStream<string, string>> join)
        {
            var builder = new StreamsBuilder();
            var orders = builder.Stream("orders", Consumed.With(Serdes.String, Serdes.String));
            var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.String));
            join(orders, customers).To("out", Produced.With(Serdes.String, Serdes.String));
            Driver = new TopologyTestDriver(builder.Build(JoinTopology.Config(0)), JoinTopology.Config(0));
            Orders = Driver.CreateInputTopic("orders", Serdes.String, Serdes.String);
            Customers = Driver.CreateInputTopic("customers", Serdes.String, Serdes.String);
            Output = Driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
        }

        public TopologyTestDriver Driver { get; }

        public TestInputTopic<string, string> Orders { get; }

        public TestInputTopic<string, string> Customers { get; }

        public TestOutputTopic<string, string> Output { get; }

        public void Dispose() => Driver.Dispose();
    }
}
