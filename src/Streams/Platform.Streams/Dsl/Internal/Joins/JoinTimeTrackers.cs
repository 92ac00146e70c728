using System.Runtime.CompilerServices;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Hands the two processors of one stream-stream join in one task the same <see cref="JoinTimeTracker"/>:
/// both are connected to the left window store, whose instance belongs to exactly that task, so it keys the
/// tracker (and a task that is closed and re-created starts with a fresh one).
/// </summary>
internal sealed class JoinTimeTrackers
{
    private readonly ConditionalWeakTable<IStateStore, JoinTimeTracker> _trackers = new();

    /// <summary>The tracker of the task that owns <paramref name="leftWindowStore"/>.</summary>
    public JoinTimeTracker For(IStateStore leftWindowStore) => _trackers.GetValue(leftWindowStore, _ => new JoinTimeTracker());
}
