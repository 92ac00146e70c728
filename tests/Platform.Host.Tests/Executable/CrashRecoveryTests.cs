using Platform.Protocol.RecordFormat;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// The real <c>platform broker</c> process killed with SIGKILL (and its files damaged as a torn write
/// would), then restarted on the same data directory: every acknowledged record is served again, in
/// order, only whole batches are served, and appends continue at the right offset.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const string Topic = "crash";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "platform-crash-" + Guid.NewGuid().ToString("N"));

    public CrashRecoveryTests()
    {
        Directory.CreateDirectory(_root);
        // flush.messages=1: an acknowledged append has been fsynced.
        File.WriteAllText(ConfigFile, """{ "Broker": { "log.flush.interval.messages": 1 } }""");
    }

    private string DataDir => Path.Combine(_root, "data");

    private string ConfigFile => Path.Combine(_root, "broker.json");

    private string ActiveSegment
        => Directory.GetFiles(Path.Combine(DataDir, Topic + "-0"), "*.log").Order(StringComparer.Ordinal).Last();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (string? Key, string? Value)[] Records(int batch, int count)
        => [.. Enumerable.Range(0, count).Select(i => ((string?)$"key-{batch}", (string?)$"batch-{batch}-record-{i}"))];

    /// <summary>Produces batches 0..count-1 with acks=-1 and returns the records as acknowledged (offset from the response).</summary>
    private static async Task<List<ConsumedRecord>> ProduceAcknowledgedAsync(RawConnection connection, int first, int count)
    {
        var acknowledged = new List<ConsumedRecord>();
        for (var batch = first; batch < first + count; batch++)
        {
            var records = Records(batch, 1 + (batch % 4));
            var result = await connection.ProduceAsync(Topic, Wire.Batch(1_700_000_000_000 + batch, records));
            Assert.Equal(0, result.ErrorCode);
            acknowledged.AddRange(records.Select((r, i) => new ConsumedRecord(result.BaseOffset + i, r.Key, r.Value)));
        }

        return acknowledged;
    }

    [Fact]
    public async Task Kill9_WhileProducing_EveryAcknowledgedRecordIsServedInOrderAfterRestart()
    {
        List<ConsumedRecord> acknowledged;
        var inFlight = new List<(string? Key, string? Value)[]>();
        await using (var broker = await BrokerProcess.StartAsync(DataDir, ConfigFile))
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Port);
            // Small segments, so recovery crosses rolled segments as well as the active one.
            await connection.CreateTopicAsync(Topic, ("segment.bytes", "4096"));
            acknowledged = await ProduceAcknowledgedAsync(connection, 0, 150);

            // Requests the broker may or may not have appended when it dies; none is acknowledged.
            for (var batch = 150; batch < 170; batch++)
            {
                inFlight.Add(Records(batch, 3));
                await connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest(Topic, 0, Wire.Batch(1_700_000_000_000, inFlight[^1])), 9, 10_000 + batch));
            }

            await broker.KillAsync();
        }

        Assert.True(Directory.GetFiles(Path.Combine(DataDir, Topic + "-0"), "*.log").Length > 1, "the test meant to roll segments");
        await using (var restarted = await BrokerProcess.StartAsync(DataDir, ConfigFile))
        {
            await using var connection = await RawConnection.ConnectAsync(restarted.Port);
            var served = await connection.ConsumeAllAsync(Topic);

            Assert.Equal(acknowledged, served.Take(acknowledged.Count));
            // Whatever else survived is whole in-flight batches, in the order they were sent, at the next offsets.
            var extra = served.Skip(acknowledged.Count).ToList();
            var expectedExtra = inFlight.SelectMany(b => b).Take(extra.Count).Select((r, i) => new ConsumedRecord(acknowledged.Count + i, r.Key, r.Value));
            Assert.Equal(expectedExtra, extra);
            Assert.Equal(0, extra.Count % 3);

            // An independent consumer (librdkafka, checking CRCs) sees exactly the same log.
            var kcat = await ExternalProcess.RunAsync("kcat", ["-b", restarted.BootstrapServers, "-X", "check.crcs=true", "-C", "-t", Topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %k %s\n"]);
            Assert.True(kcat.ExitCode == 0, kcat.StdErr);
            Assert.Equal(string.Concat(served.Select(r => $"{r.Offset} {r.Key} {r.Value}\n")), kcat.StdOut);

            var next = await connection.ProduceAsync(Topic, Wire.Batch(1_700_000_000_000, ("after", "restart")));
            Assert.Equal((0, (long)served.Count), (next.ErrorCode, next.BaseOffset));
        }
    }

    [Fact]
    public async Task Kill9_AfterAnswersWithoutFsync_RecordsAnsweredMoreThanTheWriteBehindDelayAgoSurvive()
    {
        // Answered once appended, never fsynced: only the write-behind puts them in the file before the kill.
        File.WriteAllText(ConfigFile, """{ "Broker": { "log.write.caching": true } }""");
        List<ConsumedRecord> acknowledged;
        await using (var broker = await BrokerProcess.StartAsync(DataDir, ConfigFile))
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Port);
            await connection.CreateTopicAsync(Topic);
            acknowledged = await ProduceAcknowledgedAsync(connection, 0, 30);
            await Task.Delay(WriteBehindMargin);
            await broker.KillAsync();
        }

        await using var restarted = await BrokerProcess.StartAsync(DataDir, ConfigFile);
        await using var client = await RawConnection.ConnectAsync(restarted.Port);
        Assert.Equal(acknowledged, await client.ConsumeAllAsync(Topic));
    }

    /// <summary>Far longer than the broker's 5 ms write-behind delay, so a loaded machine does not make the test flaky.</summary>
    private static readonly TimeSpan WriteBehindMargin = TimeSpan.FromSeconds(1);

    /// <summary>What a torn or corrupted write can leave at the end of the active segment.</summary>
    public enum Damage
    {
        /// <summary>The first half of an unacknowledged batch reached the disk.</summary>
        HalfBatchAppended,

        /// <summary>Zeros past the last batch (a file extended but never written).</summary>
        ZerosAppended,

        /// <summary>The last batch lost its final bytes.</summary>
        LastBatchCut,

        /// <summary>A byte inside the last batch flipped, so its CRC no longer matches.</summary>
        LastBatchCorrupted,
    }

    [Theory]
    [InlineData(Damage.HalfBatchAppended)]
    [InlineData(Damage.ZerosAppended)]
    [InlineData(Damage.LastBatchCut)]
    [InlineData(Damage.LastBatchCorrupted)]
    public async Task Restart_TornTailOnActiveSegment_ServesWholeBatchesAndAppendsAtNextOffset(Damage damage)
    {
        List<ConsumedRecord> acknowledged;
        await using (var broker = await BrokerProcess.StartAsync(DataDir, ConfigFile))
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Port);
            await connection.CreateTopicAsync(Topic);
            acknowledged = await ProduceAcknowledgedAsync(connection, 0, 20);
            await broker.KillAsync();
        }

        // The last batch (batch 19) holds 4 records.
        var lastBatchRecords = 1 + (19 % 4);
        var survivors = damage is Damage.LastBatchCut or Damage.LastBatchCorrupted ? acknowledged[..^lastBatchRecords] : acknowledged;
        using (var file = new FileStream(ActiveSegment, FileMode.Open, FileAccess.ReadWrite))
        {
            // Appends go through O_DIRECT in whole blocks, so a killed broker's active segment ends in zero padding
            // that recovery cuts; the damage goes right after the last batch, where a torn write would leave it.
            file.SetLength(EndOfBatches(file));
            switch (damage)
            {
                case Damage.HalfBatchAppended:
                    var torn = Wire.Batch(1_700_000_000_000, Records(20, 3));
                    RecordBatchHeader.SetBaseOffset(torn, acknowledged.Count);
                    file.Seek(0, SeekOrigin.End);
                    file.Write(torn, 0, torn.Length / 2);
                    break;
                case Damage.ZerosAppended:
                    file.SetLength(file.Length + 4096);
                    break;
                case Damage.LastBatchCut:
                    file.SetLength(file.Length - 5);
                    break;
                case Damage.LastBatchCorrupted:
                    file.Seek(-3, SeekOrigin.End);
                    var b = file.ReadByte();
                    file.Seek(-1, SeekOrigin.Current);
                    file.WriteByte((byte)(b ^ 0x5A));
                    break;
            }
        }

        await using var restarted = await BrokerProcess.StartAsync(DataDir, ConfigFile);
        await using var client = await RawConnection.ConnectAsync(restarted.Port);

        Assert.Equal(survivors, await client.ConsumeAllAsync(Topic));
        var next = await client.ProduceAsync(Topic, Wire.Batch(1_700_000_000_000, ("after", "repair")));
        Assert.Equal((0, (long)survivors.Count), (next.ErrorCode, next.BaseOffset));
        Assert.Equal([.. survivors, new ConsumedRecord(survivors.Count, "after", "repair")], await client.ConsumeAllAsync(Topic));
    }

    /// <summary>The file position after the last batch whose header says it is whole (zero padding has length 0).</summary>
    private static long EndOfBatches(FileStream file)
    {
        var bytes = new byte[file.Length];
        file.Position = 0;
        file.ReadExactly(bytes);
        var end = 0;
        while (end + RecordBatchHeader.LogOverhead <= bytes.Length
            && RecordBatchHeader.BatchLength(bytes.AsSpan(end)) is > 0 and var length
            && end + RecordBatchHeader.LogOverhead + length <= bytes.Length)
        {
            end += RecordBatchHeader.LogOverhead + length;
        }

        return end;
    }
}
