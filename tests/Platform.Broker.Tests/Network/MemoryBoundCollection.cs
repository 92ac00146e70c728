namespace Platform.Broker.Tests.Network;

/// <summary>Tests that measure the process's managed heap run alone, so other tests' allocations do not blur the figure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
    public const string Name = "Memory-bound";
}
