namespace Platform.Storage;

/// <summary>The one-entry checkpoint files of a partition directory (recovery point, log start, cleaner), in Kafka's format.</summary>
internal sealed class LogCheckpoints(IStorageFileSystem fs, string directory, string topic, int partition)
{
    /// <summary>The checkpointed offset, or null if the file is missing or unreadable.</summary>
    public long? Read(string name) => OffsetCheckpointFile.Read(fs, Path.Combine(directory, name));

    /// <summary>Writes the checkpoint atomically; an I/O error becomes a <see cref="StorageException"/> naming the file.</summary>
    public void Write(string name, long offset)
    {
        try
        {
            OffsetCheckpointFile.Write(fs, Path.Combine(directory, name), topic, partition, offset);
        }
        catch (IOException e)
        {
            throw new StorageException($"Writing {name} of {directory} failed: {e.Message}", e);
        }
    }
}
