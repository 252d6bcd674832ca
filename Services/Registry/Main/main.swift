import CLMServiceKit
import Registry

await ServiceRunner.main(RegistryModule.self)
