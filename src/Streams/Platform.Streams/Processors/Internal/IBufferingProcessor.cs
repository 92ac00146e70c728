namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A DSL processor that holds records back (a combiner): the task has it forward them before every commit, after
/// the stores' caches (which may forward into it), so what it holds is in the outputs the input offsets commit with.
/// </summary>
internal interface IBufferingProcessor
{
    /// <summary>Forwards everything held back, in the record context of a punctuation at stream time.</summary>
    void Flush();
}
