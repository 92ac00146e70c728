namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>A value of the outer-join store: the waiting record's value, from the left or the right stream.</summary>
/// <param name="IsLeft">Whether the value is the left stream's.</param>
/// <param name="Left">The left value when <paramref name="IsLeft"/>.</param>
/// <param name="Right">The right value otherwise.</param>
internal readonly record struct LeftOrRightValue<TLeft, TRight>(bool IsLeft, TLeft? Left, TRight? Right)
{
    /// <summary>A left value.</summary>
    public static LeftOrRightValue<TLeft, TRight> MakeLeft(TLeft value) => new(true, value, default);

    /// <summary>A right value.</summary>
    public static LeftOrRightValue<TLeft, TRight> MakeRight(TRight value) => new(false, default, value);
}
