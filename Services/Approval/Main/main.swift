import Approval
import CLMServiceKit

await ServiceRunner.main(ApprovalModule.self)
