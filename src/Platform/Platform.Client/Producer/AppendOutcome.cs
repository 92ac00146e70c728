namespace Platform.Client.Producer;

/// <summary>What <see cref="RecordAccumulator.TryAppend"/> did with a record.</summary>
internal enum AppendOutcome
{
    /// <summary>In a batch (the partition's last one or a new one).</summary>
    Appended,

    /// <summary>Not appended: a new batch is needed and <c>buffer.memory</c> has no room for it now.</summary>
    NeedsMemory,

    /// <summary>Not appended: the record's sticky stint ended (it had its <c>batch.size</c> bytes, or another thread ended it); choose the partition again.</summary>
    StintEnded,
}
