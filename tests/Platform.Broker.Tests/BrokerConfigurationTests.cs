namespace Platform.Broker.Tests;

/// <summary>The transaction coordinator's settings under Kafka's names and defaults, and bad values named by key.</summary>
public sealed class BrokerConfigurationTests
{
    [Fact]
    public void Defaults_AreKafkas()
    {
        var options = new BrokerOptions();

        Assert.Equal(10_000, options.TransactionAbortTimedOutTransactionCleanupIntervalMs);
        Assert.Equal(3_600_000, options.TransactionRemoveExpiredTransactionCleanupIntervalMs);
        Assert.Equal(604_800_000, options.TransactionalIdExpirationMs);
        Assert.Equal(900_000, options.TransactionMaxTimeoutMs);
    }

    [Theory]
    [InlineData("transaction.abort.timed.out.transaction.cleanup.interval.ms")]
    [InlineData("transaction.remove.expired.transaction.cleanup.interval.ms")]
    [InlineData("transactional.id.expiration.ms")]
    [InlineData("TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS")]
    public void Bind_KafkaKey_SetsItsOption(string key)
    {
        var options = ConfigurationBinding.Bind((key, "1234")).Options;

        var values = new[]
        {
            options.TransactionAbortTimedOutTransactionCleanupIntervalMs,
            options.TransactionRemoveExpiredTransactionCleanupIntervalMs,
            options.TransactionalIdExpirationMs,
        };
        Assert.Single(values, v => v == 1234);
        options.Validate();
    }

    [Theory]
    [InlineData("transaction.abort.timed.out.transaction.cleanup.interval.ms", "0")]
    [InlineData("transaction.remove.expired.transaction.cleanup.interval.ms", "0")]
    [InlineData("transaction.remove.expired.transaction.cleanup.interval.ms", "-5")]
    [InlineData("transactional.id.expiration.ms", "0")]
    public void Validate_OutOfRange_NamesTheKey(string key, string value)
    {
        var options = ConfigurationBinding.Bind((key, value)).Options;

        var error = Assert.Throws<OptionsValidationException>(options.Validate);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transaction.remove.expired.transaction.cleanup.interval.ms")]
    [InlineData("transactional.id.expiration.ms")]
    public void Bind_Malformed_NamesTheKey(string key)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ConfigurationBinding.Bind((key, "an hour")));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
