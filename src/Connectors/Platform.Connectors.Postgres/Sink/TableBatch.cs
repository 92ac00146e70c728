using Platform.Connect;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// One table's rows of a put, by column (<see cref="ColumnBuffer"/>): each mapped record's values are checked against
/// the table and converted once as they are added, and the mapped record itself is dropped at once. The buffers
/// are kept for the table's next batch.
/// </summary>
internal sealed partial class TableBatch(SinkTable table)
{
    private readonly ColumnBuffer?[] _columns = [.. table.Columns.Select(c => c.Type is null ? null : ColumnBuffer.For(c.Type))];
    private readonly List<SinkRecord> _records = [];
    private readonly List<bool> _deletes = [];
    private readonly List<IReadOnlyList<string>> _keys = [];

    // The table position of the name last seen at each place of a row: rows of a batch nearly always carry the same
    // name strings (the JSON reader shares them) in the same order, so a reference comparison replaces a lookup.
    private string?[] _seenNames = new string?[8];
    private int[] _seenPositions = new int[8];

    public SinkTable Table { get; } = table;

    public int Count => _records.Count;

    /// <summary>The column buffer of table column <paramref name="index"/> (null: a type the sink cannot write).</summary>
    public ColumnBuffer? Column(int index) => _columns[index];

    public SinkRecord Record(int row) => _records[row];

    public bool IsDelete(int row) => _deletes[row];

    public IReadOnlyList<string> KeyColumns(int row) => _keys[row];

    /// <summary>Empties the batch, letting go of the previous rows' values.</summary>
    public void Reset()
    {
        foreach (var column in _columns)
        {
            column?.Release(_records.Count);
        }

        _records.Clear();
        _deletes.Clear();
        _keys.Clear();
    }

    /// <summary>Whether <paramref name="row"/> has a column the table lacks (<c>auto.evolve</c> would add it).</summary>
    public bool Lacks(in SinkRow row)
    {
        // Indexed loops here and in Add: a foreach over the interface would box the list's enumerator (and its current
        // struct) for every record.
        var columns = row.Columns;
        for (var i = 0; i < columns.Count; i++)
        {
            if (Table.IndexOf(columns[i].Name) < 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds <paramref name="row"/>, every value converted for its column.</summary>
    /// <exception cref="DataException">A column is missing or a value does not fit; names the column. The row is then not added.</exception>
    public void Add(in SinkRow row)
    {
        var index = _records.Count;
        foreach (var column in _columns)
        {
            column?.Clear(index);
        }

        var columns = row.Columns;
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var position = PositionOf(i, column.Name);
            if (position < 0)
            {
                throw new DataException($"Table {Table.Schema}.{Table.Name} has no column '{column.Name}' (auto.evolve is false).");
            }

            // A column without a buffer has a type the sink cannot write.
            var buffer = _columns[position]
                ?? throw new DataException($"Column '{column.Name}' of {Table.Schema}.{Table.Name} has type {Table.Columns[position].DeclaredType}, which the sink cannot write.");
            buffer.Set(index, column.Value, column.Name);
        }

        _records.Add(row.Record);
        _deletes.Add(row.IsDelete);
        _keys.Add(row.KeyColumns);
    }

    /// <summary>The table position of column <paramref name="name"/>, found at place <paramref name="place"/> of a row.</summary>
    private int PositionOf(int place, string name)
    {
        if (place < _seenNames.Length && ReferenceEquals(_seenNames[place], name))
        {
            return _seenPositions[place];
        }

        var position = Table.IndexOf(name);
        if (place >= _seenNames.Length)
        {
            Array.Resize(ref _seenNames, Math.Max(place + 1, _seenNames.Length * 2));
            Array.Resize(ref _seenPositions, _seenNames.Length);
        }

        _seenNames[place] = name;
        _seenPositions[place] = position;
        return position;
    }
}
