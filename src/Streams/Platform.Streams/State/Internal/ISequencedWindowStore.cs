namespace Platform.Streams.State.Internal;

/// <summary>
/// A window byte store retaining duplicates that numbers each value it keeps: its changelog layer logs the value under
/// the same number, so replaying the changelog over the store's own data (a restart from an older checkpoint)
/// rewrites the same entries instead of adding copies.
/// </summary>
internal interface ISequencedWindowStore
{
    /// <summary>The sequence number of the value the last put kept.</summary>
    int LastSequenceNumber { get; }
}
