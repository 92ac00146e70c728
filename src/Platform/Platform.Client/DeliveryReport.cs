namespace Platform.Client;

/// <summary>A <see cref="DeliveryResult{TKey,TValue}"/> with the error, given to delivery handlers.</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class DeliveryReport<TKey, TValue> : DeliveryResult<TKey, TValue>
{
    /// <summary>Why delivery failed, or <see cref="Error.NoError"/>.</summary>
    public Error Error { get; set; } = Error.NoError;
}
