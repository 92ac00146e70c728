namespace Platform.Streams.Processors.Internal;

/// <summary>The punctuators of one kind (stream time or wall clock) of a task, fired in time order.</summary>
internal sealed class PunctuationQueue
{
    private readonly List<PunctuationSchedule> _schedules = [];
    private long _earliest = long.MaxValue;

    public int Count => _schedules.Count;

    public PunctuationSchedule Schedule(ProcessorNode node, long firstTime, long intervalMs, Action<long> punctuator)
    {
        var schedule = new PunctuationSchedule(node, firstTime, intervalMs, punctuator);
        _schedules.Add(schedule);
        _earliest = Math.Min(_earliest, firstTime);
        return schedule;
    }

    /// <summary>Fires every punctuator due at <paramref name="now"/> once, earliest first; false when none was due.</summary>
    public bool MayPunctuate(long now, Action<PunctuationSchedule, long> fire)
    {
        if (now < _earliest)
        {
            return false;
        }

        var fired = false;
        var done = new HashSet<PunctuationSchedule>();
        while (true)
        {
            PunctuationSchedule? next = null;
            for (var i = _schedules.Count - 1; i >= 0; i--)
            {
                var schedule = _schedules[i];
                if (schedule.Cancelled)
                {
                    _schedules.RemoveAt(i);
                }
                else if (schedule.NextTime <= now && !done.Contains(schedule) && (next is null || schedule.NextTime < next.NextTime))
                {
                    next = schedule;
                }
            }

            if (next is null)
            {
                break;
            }

            done.Add(next);
            next.Advance(now);
            fire(next, now);
            fired = true;
        }

        _earliest = long.MaxValue;
        foreach (var schedule in _schedules)
        {
            _earliest = Math.Min(_earliest, schedule.NextTime);
        }

        return fired;
    }
}
