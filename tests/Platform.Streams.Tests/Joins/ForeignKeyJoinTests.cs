using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Joins;

public class ForeignKeyJoinTests
{
    [Fact]
    public void Join_OrderWithKnownCustomer_EmitsAndFollowsCustomerChanges()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);

        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("o1", "c1|10", 2);
        t.Orders.PipeInput("o2", "c1|20", 3);
        t.Customers.PipeInput("c1", "Anna", 4);

        var results = t.Output.ReadRecordsToList();
        Assert.Equal(
            [("o1", "c1|10 by Ann", 2L), ("o2", "c1|20 by Ann", 3L), ("o1", "c1|10 by Anna", 4L), ("o2", "c1|20 by Anna", 4L)],
            results.Select(r => (r.Key, r.Value, r.Timestamp)).ToList());
    }

    [Fact]
    public void Join_OrderBeforeCustomer_EmitsWhenTheCustomerArrives()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);

        t.Orders.PipeInput("o1", "c1|10", 1);
        Assert.True(t.Output.IsEmpty);

        t.Customers.PipeInput("c1", "Ann", 2);

        Assert.Equal([new KeyValuePair<string, string>("o1", "c1|10 by Ann")], t.Output.ReadKeyValuesToList());
    }

    [Fact]
    public void Join_ForeignKeyChanges_ResultFollowsTheNewCustomerAndTheOldOneNoLonger()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Customers.PipeInput("c2", "Bob", 2);
        t.Orders.PipeInput("o1", "c1|10", 3);

        t.Orders.PipeInput("o1", "c2|10", 4);
        t.Customers.PipeInput("c1", "Ann-renamed", 5);
        t.Customers.PipeInput("c2", "Bobby", 6);

        Assert.Equal(["c1|10 by Ann", "c2|10 by Bob", "c2|10 by Bobby"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_ForeignKeyChangesToUnknownCustomer_DeletesTheResult()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("o1", "c1|10", 2);

        t.Orders.PipeInput("o1", "c9|10", 3);

        Assert.Equal(["c1|10 by Ann", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_OrderDeleted_DeletesTheResultAndCustomerChangesNoLongerReachIt()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("o1", "c1|10", 2);

        t.Orders.PipeInput("o1", null!, 3);
        t.Customers.PipeInput("c1", "Anna", 4);

        Assert.Equal(["c1|10 by Ann", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_CustomerDeleted_DeletesTheResult()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("o1", "c1|10", 2);

        t.Customers.PipeInput("c1", null!, 3);

        Assert.Equal(["c1|10 by Ann", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_UnknownCustomer_EmitsWithoutIt_ThenWithItWhenItArrives()
    {
        using var t = new ForeignKeyTopology(leftJoin: true);

        t.Orders.PipeInput("o1", "c1|10", 1);
        t.Customers.PipeInput("c1", "Ann", 2);
        t.Customers.PipeInput("c1", null!, 3);
        t.Orders.PipeInput("o1", null!, 4);

        Assert.Equal(["c1|10 by nobody", "c1|10 by Ann", "c1|10 by nobody", null!], t.Output.ReadValuesToList());
    }

    [Fact]
    public void LeftJoin_ForeignKeyChange_NoIntermediateResultWithoutCustomer()
    {
        using var t = new ForeignKeyTopology(leftJoin: true);
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Customers.PipeInput("c2", "Bob", 2);
        t.Orders.PipeInput("o1", "c1|10", 3);

        t.Orders.PipeInput("o1", "c2|10", 4);

        Assert.Equal(["c1|10 by Ann", "c2|10 by Bob"], t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_Named_InternalTopicsFollowKafkasNames()
    {
        using var t = new ForeignKeyTopology(leftJoin: false, name: "order-customer");
        t.Customers.PipeInput("c1", "Ann", 1);
        t.Orders.PipeInput("o1", "c1|10", 2);

        Assert.Contains("joins-order-customer-subscription-registration-topic", t.Driver.ProducedTopicNames);
        Assert.Contains("joins-order-customer-subscription-response-topic", t.Driver.ProducedTopicNames);
        Assert.Contains("joins-order-customer-subscription-store-changelog", t.Driver.ProducedTopicNames);
        Assert.Single(t.Output.ReadValuesToList());
    }

    [Fact]
    public void Join_CopartitionGroups_PairTheSubscriptionTopicWithTheForeignTableAndTheResponseTopicWithTheLeft()
    {
        using var t = new ForeignKeyTopology(leftJoin: false);

        Assert.Equal(2, t.Topology.CopartitionedSources.Count);
        Assert.All(t.Topology.CopartitionedSources, group => Assert.Equal(2, group.Length));
    }

    [Fact]
    public void Join_NonNullableValueTypeResult_IsRefused()
    {
        var builder = new StreamsBuilder();
        var orders = builder.Table("orders", Consumed.With(Serdes.String, Serdes.String));
        var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.Int64));

        var error = Assert.Throws<ArgumentException>(() => orders.Join(customers, o => o!.Split('|')[0], (o, c) => c));

        Assert.Contains("nullable", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Table "orders" (order id → "customer|amount") joined by customer with table "customers" (id → name) into "out".</summary>
    private sealed class ForeignKeyTopology : IDisposable
    {
        public ForeignKeyTopology(bool leftJoin, string? name = null)
        {
            var builder = new StreamsBuilder();
            var orders = builder.Table("orders", Consumed.With(Serdes.String, Serdes.String));
            var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.String));
            var options = name is null ? null : TableJoined.As<string, string>(name);
            var joined = leftJoin
                ? orders.LeftJoin(customers, o => o!.Split('|')[0], (o, c) => (o + " by " + (c ?? "nobody")), options)
                : orders.Join(customers, o => o!.Split('|')[0], (o, c) => (o + " by " + c), options);
            joined.ToStream().To("out", Produced.With(Serdes.String, Serdes.String));
            Topology = builder.Build(JoinTopology.Config(0));
            Driver = new TopologyTestDriver(Topology, JoinTopology.Config(0));
            Orders = Driver.CreateInputTopic("orders", Serdes.String, Serdes.String);
            Customers = Driver.CreateInputTopic("customers", Serdes.String, Serdes.String);
            Output = Driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
        }

        public Topology Topology { get; }

        public TopologyTestDriver Driver { get; }

        public TestInputTopic<string, string> Orders { get; }

        public TestInputTopic<string, string> Customers { get; }

        public TestOutputTopic<string, string> Output { get; }

        public void Dispose() => Driver.Dispose();
    }
}
