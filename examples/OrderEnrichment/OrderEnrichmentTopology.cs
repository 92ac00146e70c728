using System.Text.Json.Nodes;
using Platform.Streams;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Examples.OrderEnrichment;

/// <summary>
/// Enriches orders with their customer: the stream <see cref="OrdersTopic"/> (key = customer id, value = order JSON
/// object) is left-joined with the table <see cref="CustomersTopic"/> (key = customer id, value = customer JSON), and
/// each order goes to <see cref="OutputTopic"/> with a <c>customer</c> field holding the customer's latest JSON, or
/// <c>null</c> when the customer is unknown. Both inputs must have the same partition count (checked at start).
/// </summary>
public static class OrderEnrichmentTopology
{
    /// <summary>Orders: key = customer id, value = a JSON object.</summary>
    public const string OrdersTopic = "orders";

    /// <summary>Customers: key = customer id, value = JSON (a tombstone deletes the customer).</summary>
    public const string CustomersTopic = "customers";

    /// <summary>Enriched orders: key = customer id, value = the order JSON with a <c>customer</c> field.</summary>
    public const string OutputTopic = "orders-enriched";

    /// <summary>The key-value store of the customers table.</summary>
    public const string StoreName = "customers";

    /// <summary>Builds the topology; <paramref name="config"/> decides its optimizations (<c>topology.optimization</c>), the default when null.</summary>
    public static Topology Build(StreamsConfig? config = null)
    {
        var builder = new StreamsBuilder();
        var customers = builder.Table(
            CustomersTopic,
            Consumed.With(Serdes.String, Serdes.Json<JsonNode?>()).WithName("customers-source"),
            Materialized.As<string, JsonNode?>(StoreName).WithKeySerde(Serdes.String).WithValueSerde(Serdes.Json<JsonNode?>()));
        builder.Stream(OrdersTopic, Consumed.With(Serdes.String, Serdes.Json<JsonObject>()).WithName("orders-source"))
            .LeftJoin(customers, Enrich, Joined.With(Serdes.String, Serdes.Json<JsonObject>(), Serdes.Json<JsonNode?>()).WithName("with-customer"))
            .To(OutputTopic, Produced.With(Serdes.String, Serdes.Json<JsonObject>()).WithName("enriched"));
        return builder.Build(config);
    }

    /// <summary>A copy of <paramref name="order"/> with <c>customer</c> set to <paramref name="customer"/> (JSON null when null).</summary>
    public static JsonObject Enrich(JsonObject order, JsonNode? customer)
    {
        // Copies, because a node belongs to one parent and the table's value may be handed out again.
        var enriched = order.DeepClone().AsObject();
        enriched["customer"] = customer?.DeepClone();
        return enriched;
    }
}
