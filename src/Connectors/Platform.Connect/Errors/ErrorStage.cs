namespace Platform.Connect.Errors;

/// <summary>Where in a task's pipeline an error happened, with Kafka's stage names (<c>__connect.errors.stage</c>).</summary>
public enum ErrorStage
{
    /// <summary>The source task's poll.</summary>
    TaskPoll,

    /// <summary>The sink task's put.</summary>
    TaskPut,

    /// <summary>A transformation.</summary>
    Transformation,

    /// <summary>The key converter.</summary>
    KeyConverter,

    /// <summary>The value converter.</summary>
    ValueConverter,

    /// <summary>The header converter.</summary>
    HeaderConverter,

    /// <summary>Producing to Kafka.</summary>
    KafkaProduce,

    /// <summary>Consuming from Kafka.</summary>
    KafkaConsume,
}
