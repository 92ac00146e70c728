using System.Globalization;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.Sink;

/// <summary>
/// File names of the file sink: <c>topic+partition+first+last.ext</c>, offsets zero-padded so names sort in
/// offset order. '+' cannot occur in a topic name, so the partition's files are exactly those with its prefix.
/// </summary>
internal static class FileSinkNames
{
    public static string Prefix(TopicPartitionRef partition) => $"{partition.Topic}+{partition.Partition.ToString(CultureInfo.InvariantCulture)}+";

    public static string Temporary(TopicPartitionRef partition, long startOffset, string extension)
        => $"{Prefix(partition)}{startOffset.ToString("D20", CultureInfo.InvariantCulture)}.{extension}.tmp";

    public static string Committed(TopicPartitionRef partition, long startOffset, long endOffset, string extension)
        => $"{Prefix(partition)}{startOffset.ToString("D20", CultureInfo.InvariantCulture)}+{endOffset.ToString("D20", CultureInfo.InvariantCulture)}.{extension}";
}
