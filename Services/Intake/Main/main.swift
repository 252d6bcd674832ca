import CLMServiceKit
import Intake

await ServiceRunner.main(IntakeModule.self)
