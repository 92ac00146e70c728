using System.Runtime.InteropServices;
using Platform.Client.Producer;

namespace Platform.Streams.Runtime;

/// <summary>
/// A stream thread's output records counted per commit generation: sent on the stream thread, reported on any (the
/// producer's thread, or the appender's for records it could not append), so an at_least_once commit knows when every
/// record sent before it is acknowledged without waiting for those sent after it. A record carries its generation's
/// <see cref="Tag"/> to its report; two tags serve in turn, since a generation closes only once the one before it is
/// fully reported.
/// </summary>
internal sealed class OutputGenerations
{
    private readonly object[] _tags = [new(), new()];

    // What the sending thread writes per record and the reporting thread per report, each on cache lines of its own:
    // written side by side, both threads would pull the same line back and forth on every record.
    private readonly Counts _sent = new();
    private readonly Counts _reported = new();
    private long _generation;
    private int _slot;

    // A closed generation the stream thread waits for, and the event its last report sets.
    private long _awaited = -1;
    private readonly ManualResetEventSlim _allReported = new(false);

    /// <summary>The generation records sent now belong to.</summary>
    public long Generation => _generation;

    /// <summary>The open generation's tag, which each record sent now carries to its report.</summary>
    public object Tag => _tags[_slot];

    /// <summary>Counts one record sent in the open generation (on the stream thread).</summary>
    public void CountSent() => _sent.Of(_slot)++;

    /// <summary>
    /// Closes the open generation and opens the next; returns the closed one. Only when the generation closed
    /// before is fully reported (<see cref="Reported"/>).
    /// </summary>
    public long CloseGeneration()
    {
        var closed = _generation;
        var next = (int)((closed + 1) & 1);
        _sent.Of(next) = 0;
        Volatile.Write(ref _reported.Of(next), 0);
        _generation = closed + 1;
        _slot = next;
        return closed;
    }

    /// <summary>Whether every record of the closed <paramref name="generation"/> is reported (on the stream thread).</summary>
    public bool Reported(long generation)
    {
        var slot = (int)(generation & 1);
        return Volatile.Read(ref _reported.Of(slot)) == _sent.Of(slot);
    }

    /// <summary>Waits until every record of the closed <paramref name="generation"/> is reported (on the stream thread).</summary>
    public void WaitReported(long generation)
    {
        _allReported.Reset();
        Interlocked.Exchange(ref _awaited, generation);
        while (!Reported(generation))
        {
            // The report that completes it sets the event; the timeout only guards against a missed wake-up.
            _allReported.Wait(100);
            _allReported.Reset();
        }

        Volatile.Write(ref _awaited, -1);
    }

    /// <summary>Counts reported records (their tags in <see cref="RecordSlot.Message"/>): once per run of one generation.</summary>
    public void CountReported(ReadOnlySpan<RecordSlot> records)
    {
        var start = 0;
        for (var i = 1; i <= records.Length; i++)
        {
            if (i == records.Length || !ReferenceEquals(records[i].Message, records[start].Message))
            {
                CountReported(records[start].Message, i - start);
                start = i;
            }
        }
    }

    /// <summary>Counts staged records as reported: they were dropped or refused, and no report will come for them.</summary>
    public void CountReported(ReadOnlySpan<StagedRecord> records)
    {
        var start = 0;
        for (var i = 1; i <= records.Length; i++)
        {
            if (i == records.Length || !ReferenceEquals(records[i].Tag, records[start].Tag))
            {
                CountReported(records[start].Tag, i - start);
                start = i;
            }
        }
    }

    /// <summary>Counts <paramref name="count"/> records of the generation tagged <paramref name="tag"/> reported, waking a thread that waits for the last.</summary>
    public void CountReported(object? tag, int count)
    {
        if (count == 0)
        {
            return;
        }

        var slot = ReferenceEquals(tag, _tags[0]) ? 0 : 1;
        var reported = Interlocked.Add(ref _reported.Of(slot), count);
        var awaited = Volatile.Read(ref _awaited);
        if (awaited >= 0 && (awaited & 1) == slot && reported == Volatile.Read(ref _sent.Of(slot)))
        {
            _allReported.Set();
        }
    }

    /// <summary>A count per generation slot, 64 bytes clear of any other object's fields.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class Counts
    {
        [FieldOffset(64)]
        private long _count0;

        [FieldOffset(72)]
        private long _count1;

        /// <summary>The count of the generation in <paramref name="slot"/> (0 or 1).</summary>
        public ref long Of(int slot) => ref slot == 0 ? ref _count0 : ref _count1;
    }
}
