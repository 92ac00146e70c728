// Runs a kafkajs group consumer (consumer.run with eachMessage) until no message has arrived for
// <idleMs> after the first one (or for 20 s without any), then disconnects (committing and leaving) and prints what it consumed and the group's
// committed offsets as one JSON document on stdout.
// Usage: node kafkajs-group.js <host:port> <topic> <group> <idleMs> [protocol]
// protocol "roundrobin" names kafkajs's round-robin assigner like librdkafka's, so it can share a group with kcat.
'use strict'
const { Kafka, PartitionAssigners, logLevel } = require('kafkajs')

function librdkafkaRoundRobin(config) {
  const assigner = PartitionAssigners.roundRobin(config)
  return { ...assigner, name: 'roundrobin', protocol: ({ topics }) => ({ ...assigner.protocol({ topics }), name: 'roundrobin' }) }
}

async function main() {
  const [broker, topic, groupId, idleText, protocol] = process.argv.slice(2)
  const idleMs = Number(idleText)
  const kafka = new Kafka({ clientId: 'interop-kafkajs-group', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 5 } })
  const consumer = kafka.consumer({
    groupId,
    heartbeatInterval: 500,
    sessionTimeout: 10000,
    partitionAssigners: protocol === 'roundrobin' ? [librdkafkaRoundRobin] : undefined,
  })
  const received = []
  const started = Date.now()
  let last = 0
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      received.push({ partition, offset: Number(message.offset), value: message.value.toString() })
      last = Date.now()
    },
  })
  while (last === 0 ? Date.now() - started < 20000 : Date.now() - last < idleMs) {
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await consumer.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
  const groups = await admin.listGroups()
  await admin.disconnect()
  console.log(JSON.stringify({ received, committed: committed[0].partitions, groups: groups.groups }))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
