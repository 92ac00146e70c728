namespace Platform.Streams.Dsl;

/// <summary>
/// The branches of a <see cref="IKStream{TKey,TValue}.Split"/>: predicates are tried in the order the branches
/// were added and a record goes to the first that holds, else to the default branch, else nowhere.
/// </summary>
public interface IBranchedKStream<TKey, TValue>
{
    /// <summary>Adds a branch for the records <paramref name="predicate"/> accepts (and no earlier branch took).</summary>
    IBranchedKStream<TKey, TValue> Branch(Func<TKey, TValue, bool> predicate, Branched<TKey, TValue>? branched = null);

    /// <summary>Adds the branch of the records no predicate took and ends the split: the branches by name (split name + branch name).</summary>
    IReadOnlyDictionary<string, IKStream<TKey, TValue>> DefaultBranch(Branched<TKey, TValue>? branched = null);

    /// <summary>Ends the split, dropping the records no predicate took: the branches by name (split name + branch name).</summary>
    IReadOnlyDictionary<string, IKStream<TKey, TValue>> NoDefaultBranch();
}
