namespace Platform.Broker.Groups;

/// <summary>
/// The classic group protocol's states. A group starts <see cref="Empty"/>; a join moves it to
/// <see cref="PreparingRebalance"/> (members rejoin), then <see cref="CompletingRebalance"/> (the
/// leader's assignment is awaited), then <see cref="Stable"/>. <see cref="Dead"/> groups are gone.
/// </summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
