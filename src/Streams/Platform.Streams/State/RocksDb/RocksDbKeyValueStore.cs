using RocksDbSharp;

namespace Platform.Streams.State.RocksDb;

/// <summary>
/// The persistent bytes key-value store: one RocksDB database per store and task, in
/// <c>&lt;state.dir&gt;/&lt;application.id&gt;/&lt;task&gt;/rocksdb/&lt;store&gt;</c> as in Kafka Streams. Writes skip
/// RocksDB's write-ahead log because the changelog topic is the durable log; <see cref="Flush"/> writes
/// the memtables to disk before the task checkpoints the changelog offsets, so after a restart only
/// the changelog's tail past the checkpoint is replayed. Keys are ordered by RocksDB's default
/// comparator (unsigned bytes), the order <see cref="Bytes"/> defines.
/// </summary>
internal sealed class RocksDbKeyValueStore : IKeyValueStore<Bytes, byte[]>
{
    /// <summary>The folder under a task's directory that holds its RocksDB stores.</summary>
    public const string Folder = "rocksdb";

    // RocksDB is thread-safe, but a database closed while an interactive query iterates would crash
    // the process in native code: every call and every iterator step holds this lock and checks _db.
    private readonly Lock _lock = new();
    private RocksDbSharp.RocksDb? _db;
    private DbOptions? _options;
    private WriteOptions? _writeOptions;

    /// <summary>A store called <paramref name="name"/>; it opens in <see cref="Init"/>.</summary>
    public RocksDbKeyValueStore(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool Persistent => true;

    /// <inheritdoc/>
    public bool IsOpen => Volatile.Read(ref _db) is not null;

    /// <summary>The database's directory, known once the store is open.</summary>
    public string? DirectoryPath { get; private set; }

    /// <inheritdoc/>
    public long ApproximateNumEntries
    {
        get
        {
            lock (_lock)
            {
                var text = Db.GetProperty("rocksdb.estimate-num-keys");
                return long.TryParse(text, out var count) ? count : 0;
            }
        }
    }

    private RocksDbSharp.RocksDb Db => _db ?? throw new InvalidOperationException($"State store '{Name}' is not open.");

    /// <inheritdoc/>
    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Open(context);
        context.Register(root, Restore);
    }

    /// <summary>
    /// Opens (creating if missing) the database in the task's folder without registering it, for the segmented
    /// window and session stores that keep their data here under their own key layout and restore it themselves.
    /// </summary>
    internal void Open(IStateStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = Path.Combine(context.StateDirectory, Folder, Name);
        Directory.CreateDirectory(path);

        // Kafka Streams' defaults: 16 MiB write buffers (3 of them), 4 KiB blocks, LZ4.
        var table = new BlockBasedTableOptions().SetBlockSize(4096);
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetWriteBufferSize(16UL * 1024 * 1024)
            .SetMaxWriteBufferNumber(3)
            .SetCompression(Compression.Lz4)
            .SetBlockBasedTableFactory(table)
            .IncreaseParallelism(Math.Max(2, Environment.ProcessorCount))
            .SetInfoLogLevel(InfoLogLevel.Warn);
        try
        {
            lock (_lock)
            {
                _db = RocksDbSharp.RocksDb.Open(options, path);
                _options = options;
                _writeOptions = new WriteOptions().DisableWal(1);
                DirectoryPath = path;
            }
        }
        catch (RocksDbException ex)
        {
            throw new InvalidOperationException($"State store '{Name}' could not open its RocksDB database in '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Deletes every key in [<paramref name="from"/>, <paramref name="toExclusive"/>) with one range tombstone (how expired segments go).</summary>
    internal void DeleteRange(byte[] from, byte[] toExclusive)
    {
        using var batch = new WriteBatch();
        batch.DeleteRange(from, (ulong)from.Length, toExclusive, (ulong)toExclusive.Length);
        lock (_lock)
        {
            Db.Write(batch, _writeOptions);
        }
    }

    /// <summary>Applies one changelog record (null value: delete) during restoration.</summary>
    private void Restore(byte[] key, byte[]? value)
    {
        lock (_lock)
        {
            if (value is null)
            {
                Db.Remove(key, null, _writeOptions);
            }
            else
            {
                Db.Put(key, value, null, _writeOptions);
            }
        }
    }

    /// <inheritdoc/>
    public byte[]? Get(Bytes key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            return Db.Get(key.Value);
        }
    }

    /// <inheritdoc/>
    public bool TryGet(Bytes key, out byte[] value)
    {
        var found = Get(key);
        value = found!;
        return found is not null;
    }

    /// <inheritdoc/>
    public void Put(Bytes key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Restore(key.Value, value);
    }

    /// <inheritdoc/>
    public byte[]? PutIfAbsent(Bytes key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            var existing = Db.Get(key.Value);
            if (existing is null)
            {
                Db.Put(key.Value, value, null, _writeOptions);
            }

            return existing;
        }
    }

    /// <inheritdoc/>
    public void PutAll(IEnumerable<KeyValuePair<Bytes, byte[]?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var batch = new WriteBatch();
        foreach (var (key, value) in entries)
        {
            if (value is null)
            {
                batch.Delete(key.Value);
            }
            else
            {
                batch.Put(key.Value, value);
            }
        }

        lock (_lock)
        {
            Db.Write(batch, _writeOptions);
        }
    }

    /// <inheritdoc/>
    public byte[]? Delete(Bytes key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            var existing = Db.Get(key.Value);
            if (existing is not null)
            {
                Db.Remove(key.Value, null, _writeOptions);
            }

            return existing;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> Range(Bytes? from, Bytes? to) => Iterate(from, to, forward: true);

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseRange(Bytes? from, Bytes? to) => Iterate(from, to, forward: false);

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Iterate(null, null, forward: true);

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Iterate(null, null, forward: false);

    private IEnumerable<KeyValuePair<Bytes, byte[]>> Iterate(Bytes? from, Bytes? to, bool forward)
    {
        if (from is not null && to is not null && from.CompareTo(to) > 0)
        {
            // Kafka returns nothing for an inverted range rather than failing.
            yield break;
        }

        Iterator iterator;
        lock (_lock)
        {
            iterator = Db.NewIterator();
            if (forward)
            {
                _ = from is null ? iterator.SeekToFirst() : iterator.Seek(from.Value);
            }
            else
            {
                _ = to is null ? iterator.SeekToLast() : iterator.SeekForPrev(to.Value);
            }
        }

        try
        {
            while (true)
            {
                KeyValuePair<Bytes, byte[]> entry;
                lock (_lock)
                {
                    if (_db is null)
                    {
                        throw new InvalidOperationException($"State store '{Name}' was closed while it was being iterated.");
                    }

                    if (!iterator.Valid())
                    {
                        yield break;
                    }

                    var key = new Bytes(iterator.Key());
                    if (forward ? to is not null && key.CompareTo(to) > 0 : from is not null && key.CompareTo(from) < 0)
                    {
                        yield break;
                    }

                    entry = new KeyValuePair<Bytes, byte[]>(key, iterator.Value());
                    _ = forward ? iterator.Next() : iterator.Prev();
                }

                yield return entry;
            }
        }
        finally
        {
            lock (_lock)
            {
                // An iterator must go before its database; Close waits on the lock, so this is safe.
                if (_db is not null)
                {
                    iterator.Dispose();
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        lock (_lock)
        {
            if (_db is null)
            {
                return;
            }

            _db.Flush(new FlushOptions().SetWaitForFlush(true));
        }
    }

    /// <inheritdoc/>
    public void Close()
    {
        lock (_lock)
        {
            if (_db is null)
            {
                return;
            }

            // Writes skip the WAL: what is only in the memtables would be lost with the handle.
            _db.Flush(new FlushOptions().SetWaitForFlush(true));
            _db.Dispose();
            _db = null;
            _options = null;
            _writeOptions = null;
        }
    }
}
