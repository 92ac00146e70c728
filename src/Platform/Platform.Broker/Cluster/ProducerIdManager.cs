using System.Globalization;
using Microsoft.Extensions.Options;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>
/// Hands out producer ids that are never reused, even across restarts or crashes. Ids are taken in
/// blocks (as Kafka's controller hands blocks to brokers with AllocateProducerIds): before the first id
/// of a block is used, the block's end is written to <c>producer-id-block</c> in the data directory
/// (<see cref="AtomicFile"/>: temp file, fsync, rename, directory fsync), so a restart continues after the last block claimed, never inside it.
/// In a cluster every broker hands out ids, and a transactional id's ids come from whichever broker
/// coordinates it at the time: each broker's ids carry its node id in their upper bits
/// (<c>(node.id + 1) &lt;&lt; 40</c> plus the local counter), so two brokers never give out the same id and
/// ids handed out by a broker before it joined a cluster (all below 2^40) stay distinct too.
/// </summary>
public sealed class ProducerIdManager
{
    /// <summary>Ids per block: one small file write per thousand producers.</summary>
    public const int BlockSize = 1000;

    /// <summary>The file in the data directory holding the end of the last block claimed.</summary>
    public const string FileName = "producer-id-block";

    private const string NextBlockKey = "next.block.start";

    /// <summary>Bits of an id below the node's part in a cluster: room for 2^40 ids per broker.</summary>
    private const int NodeShift = 40;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly long _nodeBase;
    private long _next;
    private long _blockEnd;

    public ProducerIdManager(IOptions<BrokerOptions> options)
    {
        var dataDir = options.Value.DataDir;
        Directory.CreateDirectory(dataDir);
        _path = Path.Combine(dataDir, FileName);
        _next = _blockEnd = ReadNextBlockStart(_path);
        if (options.Value.IsClustered)
        {
            var nodeId = options.Value.NodeId;
            if (nodeId >= (1 << (62 - NodeShift)) - 1)
            {
                throw new OptionsValidationException("node.id", $"is {nodeId}, too large for a cluster's producer ids: it must be below {(1 << (62 - NodeShift)) - 1}");
            }

            _nodeBase = (nodeId + 1L) << NodeShift;
        }
    }

    /// <summary>A producer id no one was given before.</summary>
    /// <exception cref="IOException">The new block could not be recorded (no id is handed out then).</exception>
    public long NextProducerId()
    {
        lock (_lock)
        {
            if (_nodeBase > 0 && _next >= 1L << NodeShift)
            {
                throw new IOException($"This broker has handed out all its 2^{NodeShift} producer ids.");
            }

            if (_next >= _blockEnd)
            {
                var end = checked(_blockEnd + BlockSize);
                WriteNextBlockStart(_path, end);
                _blockEnd = end;
            }

            return _nodeBase + _next++;
        }
    }

    private static long ReadNextBlockStart(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] == NextBlockKey && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var next))
            {
                return next;
            }
        }

        // Handing out ids that may have been used before would break deduplication: refuse to start.
        throw new InvalidDataException($"{path} has no valid {NextBlockKey}; restore it or remove it only if no producer ids were ever handed out.");
    }

    private static void WriteNextBlockStart(string path, long next)
        => AtomicFile.Write(PhysicalFileSystem.Instance, path, System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"version=1\n{NextBlockKey}={next}\n")));
}
