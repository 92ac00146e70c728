using Platform.Examples;
using Platform.Examples.OrderEnrichment;

return await ExampleHost.RunAsync(args, "OrderEnrichment", "order-enrichment", OrderEnrichmentTopology.Build, [OrderEnrichmentTopology.OrdersTopic, OrderEnrichmentTopology.CustomersTopic], [OrderEnrichmentTopology.OutputTopic]);
