// Drives kafkajs against a broker: create a topic, produce keyed messages, read them back with
// kafkajs's own Fetch implementation, and print what it saw as one JSON document on stdout.
// Usage: node kafkajs-roundtrip.js <host:port> <topic> <count> <none|gzip>
'use strict'
const { Kafka, CompressionTypes, logLevel } = require('kafkajs')

async function main() {
  const [broker, topic, countText, codec] = process.argv.slice(2)
  const count = Number(countText)
  const kafka = new Kafka({ clientId: 'interop-kafkajs', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 2 } })
  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
  const topics = await admin.listTopics()
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] })

  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < count; i++) {
    messages.push({ key: `k-${i}`, value: `v-${i}`, partition: i % 2, headers: { h: `x-${i}` } })
  }
  const compression = codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None
  const sent = await producer.send({ topic, acks: -1, compression, messages })
  await producer.disconnect()

  // kafkajs only consumes through consumer groups; its cluster object fetches without one.
  const createCluster = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  const cluster = kafka[createCluster]({})
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const received = []
  for (const partition of [0, 1]) {
    const [leaderId] = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))
    const leader = await cluster.findBroker({ nodeId: leaderId })
    let offset = 0
    for (let attempt = 0; attempt < 50 && received.filter(r => r.partition === partition).length < count / 2; attempt++) {
      const response = await leader.fetch({
        maxWaitTime: 100,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1048576 }] }],
      })
      for (const m of response.responses[0].partitions[0].messages) {
        received.push({ partition, offset: Number(m.offset), key: m.key.toString(), value: m.value.toString(), header: m.headers.h.toString() })
        offset = Number(m.offset) + 1
      }
    }
  }
  const offsets = await admin.fetchTopicOffsets(topic)
  await cluster.disconnect()
  await admin.disconnect()
  console.log(JSON.stringify({ created, hasTopic: topics.includes(topic), partitions: metadata.topics[0].partitions.length, sent, received, offsets }))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
