namespace Platform.Client.Admin;

/// <summary>A broker as the Metadata API reports it.</summary>
/// <param name="BrokerId">Broker id.</param>
/// <param name="Host">Advertised host.</param>
/// <param name="Port">Advertised port.</param>
/// <param name="Rack">Rack, if configured.</param>
public sealed record BrokerMetadata(int BrokerId, string Host, int Port, string? Rack);
