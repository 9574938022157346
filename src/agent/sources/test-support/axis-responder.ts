import { createSocket } from 'node:dgram'
import snmp from 'net-snmp'

/** A free UDP port on the loopback. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise<void>((r) => s.close(r))
  return port
}

export interface Responder {
  port: number
  setUptime(ticks: number): void
  setTemp(type: number, id: number, celsius: number): void
  /** Sets the RAM row of hrStorageTable (kilobyte units); absent until first set. */
  setMemory(sizeKb: number, usedKb: number): void
  close(): Promise<void>
}

/**
 * A local SNMP v2c agent (net-snmp's) that answers like an Axis camera: MIB-II sysUpTime,
 * AXIS-VIDEO-MIB's tempSensorTable, indexed by sensor type and id, and HOST-RESOURCES-MIB's
 * hrStorageTable with a flash row and, once `setMemory` is called, a RAM row.
 */
export async function axisResponder(sensors: Array<[type: number, id: number, celsius: number]>): Promise<Responder> {
  const port = await freeUdpPort()
  const agent = snmp.createAgent({ port, address: '127.0.0.1' }, () => undefined)
  agent.getAuthorizer().addCommunity('cams')
  const mib = agent.getMib()
  mib.registerProvider({ name: 'sysUpTime', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.3', scalarType: snmp.ObjectType.TimeTicks, maxAccess: snmp.MaxAccess['read-only'] })
  const int = (number: number, name: string, access: string) => ({ number, name, type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess[access as 'read-only'] })
  mib.registerProvider({
    name: 'tempSensorEntry',
    type: snmp.MibProviderType.Table,
    oid: '1.3.6.1.4.1.368.4.1.3.1',
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [int(1, 'tempSensorType', 'not-accessible'), int(2, 'tempSensorId', 'not-accessible'), int(3, 'tempSensorStatus', 'read-only'), int(4, 'tempSensorValue', 'read-only')],
    tableIndex: [{ columnName: 'tempSensorType' }, { columnName: 'tempSensorId' }],
  })
  mib.registerProvider({
    name: 'hrStorageEntry',
    type: snmp.MibProviderType.Table,
    oid: '1.3.6.1.2.1.25.2.3.1',
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [
      int(1, 'hrStorageIndex', 'read-only'),
      { number: 2, name: 'hrStorageType', type: snmp.ObjectType.OID, maxAccess: snmp.MaxAccess['read-only'] },
      { number: 3, name: 'hrStorageDescr', type: snmp.ObjectType.OctetString, maxAccess: snmp.MaxAccess['read-only'] },
      int(4, 'hrStorageAllocationUnits', 'read-only'),
      int(5, 'hrStorageSize', 'read-only'),
      int(6, 'hrStorageUsed', 'read-only'),
    ],
    tableIndex: [{ columnName: 'hrStorageIndex' }],
  })
  mib.setScalarValue('sysUpTime', 0)
  for (const [type, id, celsius] of sensors) mib.addTableRow('tempSensorEntry', [type, id, 1, celsius])
  // Flash (hrStorageFlashMemory), nearly full: not the memory the poller reads.
  mib.addTableRow('hrStorageEntry', [31, '1.3.6.1.2.1.25.2.1.9', 'flash', 1024, 65_536, 64_000])
  let ram = false
  return {
    port,
    setUptime: (ticks) => mib.setScalarValue('sysUpTime', ticks),
    setTemp: (type, id, celsius) => mib.setTableSingleCell('tempSensorEntry', 4, [type, id], celsius),
    setMemory: (sizeKb, usedKb) => {
      if (ram) {
        mib.setTableSingleCell('hrStorageEntry', 5, [1], sizeKb)
        mib.setTableSingleCell('hrStorageEntry', 6, [1], usedKb)
      } else mib.addTableRow('hrStorageEntry', [1, '1.3.6.1.2.1.25.2.1.2', 'RAM', 1024, sizeKb, usedKb])
      ram = true
    },
    close: () => new Promise((r) => agent.close(r)),
  }
}
