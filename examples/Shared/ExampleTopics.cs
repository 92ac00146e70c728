using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Examples;

/// <summary>Creates the topics an example reads and writes when they are missing.</summary>
internal static class ExampleTopics
{
    /// <summary>Partitions of a new topic when none of the inputs exists yet.</summary>
    public const int DefaultPartitions = 4;

    /// <summary>
    /// Creates every missing one of <paramref name="inputs"/> and <paramref name="outputs"/>, with the partition count of the
    /// first input that exists (so joined inputs stay co-partitioned), else <see cref="DefaultPartitions"/>.
    /// </summary>
    /// <returns>The topics created.</returns>
    public static async Task<IReadOnlyList<string>> EnsureAsync(string bootstrapServers, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, CancellationToken cancellationToken)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var all = inputs.Concat(outputs).Distinct(StringComparer.Ordinal).ToList();
        var metadata = await admin.GetMetadataAsync(all, cancellationToken).ConfigureAwait(false);
        var existing = metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.None && t.Partitions.Count > 0)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var partitions = inputs.Where(existing.ContainsKey).Select(t => existing[t]).DefaultIfEmpty(DefaultPartitions).First();
        var missing = all.Where(t => !existing.ContainsKey(t)).ToList();
        if (missing.Count == 0)
        {
            return [];
        }

        try
        {
            await admin.CreateTopicsAsync(
                missing.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions }),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.None or ErrorCode.TopicAlreadyExists))
        {
            // Another instance of the example created them at the same moment.
        }

        return missing;
    }
}
