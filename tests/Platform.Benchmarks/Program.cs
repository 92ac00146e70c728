using Platform.Benchmarks;

// End-to-end measurements for issue 2, run by hand (see README.md). Each command prints a report.
// "--help" anywhere prints this (a command given it must not start a benchmark of several minutes).
if (args.Length == 0 || args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine("""
        usage: Platform.Benchmarks <command> [options]
          storage [--dir D] [--total-mib 1024] [--batch-kib 16] [--read-kib 1024] [--rounds 3]
          ingest  [--records 5000000] [--size 100] [--partitions 4] [--rounds 3] [--write-caching true|false] [--broker PATH] [--dir D]
          rss     [--gib 10] [--broker PATH] [--dir D] [--keep]
          rebalance [--members 10] [--partitions 100] [--rounds 3]   (in-process broker; eager range vs cooperative-sticky)
          commits   [--seconds 5] [--connections 4] [--in-flight 64] [--partitions 100]   (in-process broker)
          produce13 [--records 2000000] [--size 100] [--partitions 4] [--rounds 3] [--tuned batch.size=1048576] [--async-window 10000] [--broker PATH] [--client PATH] [--dir D]
          coldconsume [--records 10000000] [--size 100] [--partitions 4] [--rounds 3] [--broker PATH] [--dir D]   (root: drops the page cache)
          client    [--records 5000000] [--consume-records 10000000] [--size 100] [--partitions 4] [--rounds 3] [--write-caching true|false] [--broker PATH] [--dir D]
          txn       [--records 1000000] [--txn-size 1000] [--size 100] [--rounds 3]
          connect   [--rows 200000] [--batch 5000] [--rounds 3] [--only insert,upsert] [--pg CONNECTION-STRING] [--broker PATH]   (PostgreSQL sink through a broker process and a worker; PLATFORM_TEST_PG by default)
          streams   [--lines 2000000] [--partitions 4] [--rounds 1] [--vocabulary 10000] [--commit-ms 100] [--store memory|rocksdb] [--only plain,mapfilter,...] [--broker PATH] [--dir D]
          logcost   [--records 2000000] [--gib 10] [--partitions 4] [--topic T] [--write-caching true|false] [--broker PATH] [--dir D]   (kcat rounds into one broker: CPU per million records as the log grows)
          durable   [--seconds 5] [--producers 8] [--rounds 3] [--batch-size 16384] [--partitions 1] [--dir D]   (in-process broker; write.caching=false vs an fsync loop and vs write.caching=true)
          connect-ingest [--lines 1000000] [--files 10] [--requests 2000] [--batch 100] [--clients 16] [--rounds 3]   (in-process broker and worker)
          codecs    [--mib 64] [--rounds 3] [--only snappy,lz4,zstd]   (managed codecs vs the native/IronSnappy ones they replaced)
          replication [--records 1000000] [--size 100] [--partitions 4] [--rounds 3] [--dir D]   (three in-process brokers and etcd: RF=3 acks=all vs RF=1 acks=1)
          failover  [--trials 20] [--session-timeout-ms 9000] [--broker PATH] [--dir D]   (etcd and three broker processes: SIGKILL the leader, time to the next acks=all write)
        """);
    return args.Length == 0 ? 2 : 0;
}

var options = new Options(args.AsSpan(1));
try
{
    return args[0] switch
    {
        "storage" => StorageBenchmark.Run(options),
        "ingest" => await IngestBenchmark.RunAsync(options),
        "rss" => await RssBenchmark.RunAsync(options),
        "rebalance" => await RebalanceBenchmark.RunAsync(options),
        "commits" => await CommitBenchmark.RunAsync(options),
        "client" => await ClientBenchmark.RunAsync(options),
        "produce13" => await Issue13Benchmark.ProduceAsync(options),
        "coldconsume" => await Issue13Benchmark.ColdConsumeAsync(options),
        "txn" => await TransactionBenchmark.RunAsync(options),
        "connect" => await ConnectBenchmark.RunAsync(options),
        "streams" => await StreamsBenchmark.RunAsync(options),
        "connect-ingest" => await IngestConnectorsBenchmark.RunAsync(options),
        "codecs" => CodecBenchmark.Run(options),
        "durable" => await DurableBenchmark.RunAsync(options),
        "logcost" => await LogCostBenchmark.RunAsync(options),
        "replication" => await ReplicationBenchmark.RunAsync(options),
        "failover" => await FailoverBenchmark.RunAsync(options),
        _ => throw new ArgumentException($"Unknown command '{args[0]}'."),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
