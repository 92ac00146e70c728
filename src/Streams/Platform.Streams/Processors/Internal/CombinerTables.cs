namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A stream thread's combiner tables, one per combiner node, shared by the thread's tasks of the node's
/// sub-topology (see <see cref="Dsl.Internal.KStreamCountCombiner{TKey,TValue}"/>). Sharing is safe because a thread
/// commits its tasks together: every commit flushes every task that processed a record since the one before (so
/// the table is empty after it), with all their offsets (under exactly-once in the one transaction of the thread's
/// producer); and a dirty close closes every task of the thread, whose records since the last commit are read again,
/// so the tables are cleared with it.
/// </summary>
internal sealed class CombinerTables
{
    private readonly Dictionary<string, ICombinerTable> _tables = new(StringComparer.Ordinal);

    /// <summary>The table of the combiner node <paramref name="node"/>, made by <paramref name="create"/> for the first of the thread's tasks.</summary>
    public T GetOrAdd<T>(string node, Func<T> create)
        where T : class, ICombinerTable
    {
        if (!_tables.TryGetValue(node, out var table))
        {
            _tables[node] = table = create();
        }

        return (T)table;
    }

    /// <summary>Drops what every table holds: the tasks closed dirty.</summary>
    public void Clear()
    {
        foreach (var table in _tables.Values)
        {
            table.Clear();
        }
    }
}

/// <summary>A combiner's table of records held back until the next commit.</summary>
internal interface ICombinerTable
{
    /// <summary>Drops every record held back.</summary>
    void Clear();
}
