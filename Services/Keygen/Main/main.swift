import CLMServiceKit
import Keygen

await ServiceRunner.main(KeygenModule.self)
