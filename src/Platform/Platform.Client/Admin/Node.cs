namespace Platform.Client.Admin;

/// <summary>A broker of the cluster.</summary>
/// <param name="Id">Broker (node) id.</param>
/// <param name="Host">Advertised host.</param>
/// <param name="Port">Advertised port.</param>
/// <param name="Rack">Rack, if configured.</param>
public sealed record Node(int Id, string Host, int Port, string? Rack = null);
