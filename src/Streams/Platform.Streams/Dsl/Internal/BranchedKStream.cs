namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The branches of a <c>Split</c>: the splitter processor is added when the split ends (it needs every
/// predicate), each branch is a pass-through child named split name + branch name (or position).
/// </summary>
internal sealed class BranchedKStream<TKey, TValue>(KStream<TKey, TValue> source, string splitterName) : IBranchedKStream<TKey, TValue>
{
    private readonly List<Func<TKey, TValue, bool>> _predicates = [];
    private readonly List<string> _children = [];
    private readonly Dictionary<string, IKStream<TKey, TValue>> _result = new(StringComparer.Ordinal);
    private bool _ended;
    private bool _splitterAdded;
    private string? _defaultChild;

    public IBranchedKStream<TKey, TValue> Branch(Func<TKey, TValue, bool> predicate, Branched<TKey, TValue>? branched = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        CheckOpen();
        AddSplitter();
        _predicates.Add(predicate);
        _children.Add(AddBranch(branched, _predicates.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return this;
    }

    public IReadOnlyDictionary<string, IKStream<TKey, TValue>> DefaultBranch(Branched<TKey, TValue>? branched = null)
    {
        CheckOpen();
        AddSplitter();
        _defaultChild = AddBranch(branched, "0");
        _ended = true;
        return _result;
    }

    public IReadOnlyDictionary<string, IKStream<TKey, TValue>> NoDefaultBranch()
    {
        CheckOpen();
        AddSplitter();
        _ended = true;
        return _result;
    }

    // The splitter goes into the graph before its first child; it reads the predicate list when the topology is built.
    private void AddSplitter()
    {
        if (_splitterAdded)
        {
            return;
        }

        _splitterAdded = true;
        source.Builder.AddProcessor<TKey, TValue, TKey, TValue>(
            splitterName, () => new KStreamBranch<TKey, TValue>([.. _predicates], [.. _children], _defaultChild), [source.Name]);
    }

    private string AddBranch(Branched<TKey, TValue>? branched, string position)
    {
        var childName = splitterName + (branched?.Name ?? position);
        source.Builder.AddProcessor<TKey, TValue, TKey, TValue>(childName, () => new PassThrough<TKey, TValue>(), [splitterName]);
        var branch = source.With(childName);
        if (branched?.Consumer is { } consumer)
        {
            consumer(branch);
        }
        else if (branched?.Chain is { } chain)
        {
            if (chain(branch) is { } chained)
            {
                _result[childName] = chained;
            }
        }
        else
        {
            _result[childName] = branch;
        }

        return childName;
    }

    private void CheckOpen()
    {
        if (_ended)
        {
            throw new InvalidOperationException($"Split '{splitterName}' has already ended with DefaultBranch or NoDefaultBranch.");
        }
    }
}
